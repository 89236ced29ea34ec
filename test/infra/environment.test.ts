import { HANDLER_TAG } from '../../infra/constructs/service-function.js';
import { FUNCTION_CATALOG } from '../../infra/function-catalog.js';
import { parseStageConfig, STAGE_NAMES, STAGES, type StageName, stageConfigSchema } from '../../infra/stages.js';
import { configSchema, type ServiceSettingDocs } from '../../lib/config.js';
import { type Synthesized, synthStage } from './support/synth.js';
import { type Json, requiredFunction, resources, tagValue } from './support/template-queries.js';

// One source of truth for configuration: every variable the stack sets on a function is one lib/config.ts reads and
// marks `setBy: ['stack', ...]`, and every variable marked so is set on some function, in every stage.

/**
 * Variables the stack sets that lib/config.ts does not read, each with the reason. Keep this short: a variable the
 * service's code depends on belongs in the schema, validated and documented.
 */
const NOT_READ_BY_THE_SERVICE: Readonly<Record<string, string>> = {
  // Read by Node.js itself: stack traces point into the TypeScript sources.
  NODE_OPTIONS: 'Node.js',
};

const settings = configSchema.shape as Record<string, { meta(): unknown }>;
const docsOf = (name: string) => settings[name]?.meta() as ServiceSettingDocs | undefined;
const SET_BY_STACK = Object.keys(settings).filter((name) => docsOf(name)?.setBy.includes('stack'));
const SET_BY_LAMBDA = Object.keys(settings).filter((name) => docsOf(name)?.setBy.includes('lambda'));
const COPIED_FROM_STAGE = Object.keys(settings).flatMap((name) => {
  const stageSetting = docsOf(name)?.stageSetting;
  return stageSetting === undefined ? [] : [{ name, stageSetting }];
});

/** The environment of each of the service's functions, by handler name. */
function environments(synthesized: Synthesized): Map<string, Record<string, Json>> {
  return new Map(
    resources(synthesized.template, 'AWS::Lambda::Function').map((fn) => [
      tagValue(fn, HANDLER_TAG) ?? fn.logicalId,
      fn.properties.Environment?.Variables ?? {},
    ]),
  );
}

const stages = new Map<StageName, Synthesized>();

beforeAll(() => {
  // Wiring only: no bundling (functions.test.ts bundles once for real).
  for (const stage of STAGE_NAMES) stages.set(stage, synthStage({ stage }));
});

const synthesized = (stage: StageName): Synthesized => {
  const found = stages.get(stage);
  if (found === undefined) throw new Error(`stage ${stage} was not synthesized`);
  return found;
};

describe('the environment the stack sets', () => {
  it('finds variables to check, in every stage', () => {
    for (const stage of STAGE_NAMES) {
      const names = [...environments(synthesized(stage)).values()].flatMap((variables) => Object.keys(variables));
      expect(names).toEqual(expect.arrayContaining(['TABLE_NAME', 'NODE_OPTIONS']));
    }
    expect(SET_BY_STACK.length).toBeGreaterThan(0);
  });

  it.each(STAGE_NAMES)(
    '%s: holds only variables lib/config.ts reads, or that are listed here with a reason',
    (stage) => {
      // Act
      const unknown = [...environments(synthesized(stage))].flatMap(([fn, variables]) =>
        Object.keys(variables)
          .filter((name) => !Object.hasOwn(settings, name) && !Object.hasOwn(NOT_READ_BY_THE_SERVICE, name))
          .map((name) => `${fn}: ${name}`),
      );

      // Assess
      expect(unknown).toEqual([]);
    },
  );

  it.each(STAGE_NAMES)('%s: holds only service variables whose docs say the stack sets them', (stage) => {
    // Act
    const undeclared = [...environments(synthesized(stage))].flatMap(([fn, variables]) =>
      Object.keys(variables)
        .filter((name) => Object.hasOwn(settings, name) && !SET_BY_STACK.includes(name))
        .map((name) => `${fn}: ${name}`),
    );

    // Assess
    expect(undeclared).toEqual([]);
  });

  it.each(STAGE_NAMES)('%s: sets every variable lib/config.ts says the stack sets, on some function', (stage) => {
    // Prepare
    const set = new Set([...environments(synthesized(stage)).values()].flatMap((variables) => Object.keys(variables)));

    // Act
    const missing = SET_BY_STACK.filter((name) => !set.has(name));

    // Assess
    expect(missing).toEqual([]);
  });

  it('never sets what the Lambda runtime sets (reserved names)', () => {
    for (const stage of STAGE_NAMES) {
      for (const variables of environments(synthesized(stage)).values()) {
        for (const name of SET_BY_LAMBDA) expect(variables[name]).toBeUndefined();
      }
    }
    expect(SET_BY_LAMBDA).toEqual(expect.arrayContaining(['AWS_REGION', 'AWS_LAMBDA_FUNCTION_NAME']));
  });

  it('lists here no variable that lib/config.ts reads (it is documented there instead)', () => {
    expect(Object.keys(NOT_READ_BY_THE_SERVICE).filter((name) => Object.hasOwn(settings, name))).toEqual([]);
  });
});

describe('stage settings copied into the environment', () => {
  it('name settings the stages have', () => {
    const stageSettings = Object.keys(stageConfigSchema.shape);
    for (const { stageSetting } of COPIED_FROM_STAGE) expect(stageSettings).toContain(stageSetting);
    expect(COPIED_FROM_STAGE.map(({ name }) => name)).toContain('MAX_RATE_PER_MINUTE');
  });

  it.each(STAGE_NAMES)("%s: carry the stage's value wherever they are set", (stage) => {
    // Prepare
    const config: Record<string, unknown> = parseStageConfig(stage, STAGES[stage]);

    // Act
    const found = [...environments(synthesized(stage))].flatMap(([fn, variables]) =>
      COPIED_FROM_STAGE.filter(({ name }) => variables[name] !== undefined).map(({ name, stageSetting }) => ({
        where: `${fn}: ${name}`,
        value: variables[name],
        expected: String(config[stageSetting]),
      })),
    );

    // Assess
    expect(found.length).toBeGreaterThan(0);
    for (const { where, value, expected } of found) expect({ where, value }).toEqual({ where, value: expected });
  });

  it.each(STAGE_NAMES)(
    "%s: gives the stage's rate cap to every function that creates, edits or starts broadcasts",
    (stage) => {
      // Prepare: whoever may start a broadcast puts steps on the pipeline queue; broadcasts-api also creates them.
      const starters = Object.entries(FUNCTION_CATALOG)
        .filter(([, spec]) => spec.access.sendTo?.includes('pipeline'))
        .map(([name]) => name);

      // Act
      const caps = starters.map(
        (name) =>
          [
            name,
            requiredFunction(synthesized(stage).template, name).properties.Environment.Variables.MAX_RATE_PER_MINUTE,
          ] as const,
      );

      // Assess
      expect(starters).toEqual(
        expect.arrayContaining(['broadcasts-api', 'automation-api', 'pipeline-worker', 'sweeper']),
      );
      expect(caps).toEqual(starters.map((name) => [name, String(STAGES[stage].maxRatePerMinute)]));
    },
  );
});
