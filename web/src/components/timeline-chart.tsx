import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Timeline } from '../types.js';

/** Sent and failed per minute (the timeline's buckets), drawn with uPlot; the same figures as a table for screen readers. */
export function TimelineChart({ timeline }: { timeline: Timeline }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const data: uPlot.AlignedData = [
    timeline.buckets.map((b) => Date.parse(b.start) / 1000),
    timeline.buckets.map((b) => b.sent),
    timeline.buckets.map((b) => b.failed),
  ];
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const width = Math.max(320, element.clientWidth);
    chart.current = new uPlot(
      {
        width,
        height: 240,
        scales: {
          // A minute either side of the buckets, read from the data: for a single point uPlot hands the range
          // function a span of 1,000 days (86,400 / its ms factor), so one bucket drew years of axis; with no
          // bucket yet, around now rather than 1970.
          x: { time: true, range: (u) => minuteEitherSide(u.data[0]) },
          y: { range: (_u, _min, max) => [0, Math.max(1, max)] },
        },
        series: [
          {},
          { label: 'Sent / min', stroke: '#1a7f37', fill: 'rgba(26,127,55,0.15)', width: 2 },
          { label: 'Failed / min', stroke: '#b42318', width: 2 },
        ],
        axes: [{}, { label: 'messages' }],
      },
      data,
      element,
    );
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setData(data);
  });
  return (
    <figure class="chart">
      <div ref={host} aria-hidden="true" />
      <figcaption>
        <details>
          <summary>Per-minute figures as a table</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">Minute</th>
                <th scope="col">Sent</th>
                <th scope="col">Failed</th>
                <th scope="col">Skipped</th>
              </tr>
            </thead>
            <tbody>
              {timeline.buckets.map((b) => (
                <tr key={b.start}>
                  <td>{new Date(b.start).toLocaleTimeString()}</td>
                  <td>{b.sent}</td>
                  <td>{b.failed}</td>
                  <td>{b.skipped}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </figcaption>
    </figure>
  );
}

function minuteEitherSide(starts: ArrayLike<number>): uPlot.Range.MinMax {
  const first = starts[0] ?? Date.now() / 1000;
  const last = starts[starts.length - 1] ?? first;
  return [first - 60, last + 60];
}
