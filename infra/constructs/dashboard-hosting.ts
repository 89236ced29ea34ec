import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { bundleDashboardSync, INDEX_HTML } from '../../web/bundle.js';

/** What the SPA needs to sign in and call the API: its /config.json (web/src/config.ts). */
export interface DashboardWiring {
  readonly apiUrl: string;
  readonly hostedUiUrl: string;
  readonly userPoolClientId: string;
}

/**
 * The operator dashboard (web/): a private bucket that only this CloudFront distribution may read, through origin
 * access control (no public bucket, no website endpoint, no legacy origin access identity), HTTPS only, with security
 * headers. `url` is known before the API and the user pool, which need it (CORS, callback URL); publish() uploads the
 * bundle and the config once they exist.
 */
export class DashboardHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution>.cloudfront.net/`: where the dashboard lives and where Cognito sends the browser back. */
  readonly url: string;
  /** The same without the path, as a browser sends it in `Origin`. */
  readonly origin: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The bundle is rebuilt from the repository at every deploy: nothing in it is data to keep.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Operator dashboard: CSP to itself, the API and the hosted UI; no framing; no referrer',
      securityHeadersBehavior: {
        // The API and the hosted UI by their Region's domains, not their own names: the API's CORS and the user
        // pool's callback name this distribution, so naming them back here would be a dependency cycle.
        contentSecurityPolicy: {
          override: true,
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
            `connect-src 'self' https://*.execute-api.${Aws.REGION}.amazonaws.com ` +
            `https://*.auth.${Aws.REGION}.amazoncognito.com; frame-ancestors 'none'; base-uri 'none'; ` +
            "form-action 'self'",
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Broadcast service operator dashboard',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;
  }

  /** Uploads the bundle (built with esbuild at synth) and the config that points the SPA at the API and hosted UI. */
  publish(wiring: DashboardWiring): void {
    const bundle = Stack.of(this).bundlingRequired ? bundleDashboardSync() : undefined;
    const text = (path: string) =>
      bundle === undefined
        ? '/* not bundled: synthesized with bundling skipped */'
        : new TextDecoder().decode(bundle.get(path)?.contents);
    new BucketDeployment(this, 'Publish', {
      destinationBucket: this.bucket,
      sources: [
        Source.data('index.html', INDEX_HTML),
        Source.data('assets/app.js', text('/assets/app.js')),
        Source.data('assets/app.css', text('/assets/app.css')),
        Source.jsonData('config.json', {
          auth: {
            kind: 'cognito',
            domain: wiring.hostedUiUrl,
            clientId: wiring.userPoolClientId,
            redirectUri: this.url,
          },
          apiBase: wiring.apiUrl,
        }),
      ],
      // Small files, fetched once per visit: always revalidated, so a deploy shows at once.
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
    });
  }
}
