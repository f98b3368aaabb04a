// The start-up text: where the emulator is, its projects, and every setting and credential it accepts
// as `export NAME=value` lines, so our clients and Huawei's official SDKs alike can be pointed at it by
// pasting (the SDKs' region provider reads HUAWEICLOUD_SDK_REGION_{SERVICE}_{REGION}).
import { DEMO_PROJECT_ID, EMPTY_PROJECT_ID, FORBIDDEN_PROJECT_ID, PROJECT_NAMES } from './data.js';

export interface BannerOptions {
  url: string;
  token: string;
  ak: string;
  sk: string;
  user: { name: string; password: string; domain: string };
  /** Lifetime of metadata credentials, in seconds. */
  tempCredentialTtlSeconds: number;
  /** The CA file clients must trust, when serving HTTPS with a CA. */
  caFile?: string | undefined;
  /** Whether the metadata GETs need an X-Metadata-Token. @default 'optional' */
  metadataToken?: 'optional' | 'required';
}

/** `HUAWEICLOUD_SDK_REGION_DBSS_CN_NORTH_4` for cn-north-4: the official SDKs' per-service region variable. */
export function regionEndpointVariable(region: string, service = 'DBSS'): string {
  return `HUAWEICLOUD_SDK_REGION_${service}_${region.toUpperCase().replaceAll('-', '_')}`;
}

export function banner(o: BannerOptions): string {
  const name = (id: string) => PROJECT_NAMES[id] as string;
  const regions = [...new Set([DEMO_PROJECT_ID, EMPTY_PROJECT_ID, FORBIDDEN_PROJECT_ID].map(name))];
  const trust = o.caFile
    ? [
        '  trust its CA (HTTPS; Node, Python requests, OpenSSL-based tools):',
        `    export NODE_EXTRA_CA_CERTS=${o.caFile}`,
        `    export REQUESTS_CA_BUNDLE=${o.caFile}`,
        `    export SSL_CERT_FILE=${o.caFile}`,
      ]
    : [];
  const curlCa = o.caFile ? ` --cacert ${o.caFile}` : '';
  return [
    `DBSS emulator listening on ${o.url}`,
    '  projects (IAM names each after its region; discovery by region finds it):',
    `    ${DEMO_PROJECT_ID}  ${name(DEMO_PROJECT_ID).padEnd(11)} demo buckets`,
    `    ${EMPTY_PROJECT_ID}  ${name(EMPTY_PROJECT_ID).padEnd(11)} no buckets`,
    `    ${FORBIDDEN_PROJECT_ID}  ${name(FORBIDDEN_PROJECT_ID).padEnd(11)} 403 for these credentials`,
    '  point a client at it (DBSS and IAM are both served here):',
    `    export DBSS_ENDPOINT=${o.url}`,
    `    export HUAWEICLOUD_SDK_IAM_ENDPOINT=${o.url}`,
    "    # what Huawei's official SDKs read (their region provider), one per demo region",
    ...regions.map((r) => `    export ${regionEndpointVariable(r)}=${o.url}`),
    `    export HUAWEICLOUD_SDK_REGION=${name(DEMO_PROJECT_ID)}`,
    `    export HUAWEICLOUD_SDK_PROJECT_ID=${DEMO_PROJECT_ID}`,
    ...trust,
    '  then authenticate with any one of:',
    '    # IAM token (X-Auth-Token)',
    `    export HUAWEICLOUD_AUTH_TOKEN=${o.token}`,
    '    # AK/SK signing (SDK-HMAC-SHA256)',
    `    export HUAWEICLOUD_SDK_AK=${o.ak}`,
    `    export HUAWEICLOUD_SDK_SK=${o.sk}`,
    '    # IAM password login (POST /v3/auth/tokens)',
    `    export HUAWEICLOUD_IAM_USER=${o.user.name}`,
    `    export HUAWEICLOUD_IAM_PASSWORD=${o.user.password}`,
    `    export HUAWEICLOUD_IAM_DOMAIN=${o.user.domain}`,
    `    # ECS metadata: temporary AK/SK + security token from GET /openstack/latest/securitykey (${o.tempCredentialTtlSeconds} s;`,
    `    # metadata v2 token from PUT /meta-data/latest/api/token ${o.metadataToken === 'required' ? 'required' : 'optional'})`,
    `    export DBSS_METADATA_ENDPOINT=${o.url}`,
    `  try: curl${curlCa} -H "X-Auth-Token: ${o.token}" ${o.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`,
    '',
  ].join('\n');
}
