// The start-up text: where the emulator is, its projects, and every credential it accepts as
// `export NAME=value` lines, so any SDK or tool can be pointed at it by pasting.
import { DEMO_PROJECT_ID, EMPTY_PROJECT_ID, FORBIDDEN_PROJECT_ID, PROJECT_NAMES } from './data.js';

export interface BannerOptions {
  url: string;
  token: string;
  ak: string;
  sk: string;
  user: { name: string; password: string; domain: string };
  /** Lifetime of metadata credentials, in seconds. */
  tempCredentialTtlSeconds: number;
}

export function banner(o: BannerOptions): string {
  const name = (id: string) => PROJECT_NAMES[id] as string;
  return [
    `DBSS emulator listening on ${o.url}`,
    '  projects (IAM names each after its region; discovery by region finds it):',
    `    ${DEMO_PROJECT_ID}  ${name(DEMO_PROJECT_ID).padEnd(11)} demo buckets`,
    `    ${EMPTY_PROJECT_ID}  ${name(EMPTY_PROJECT_ID).padEnd(11)} no buckets`,
    `    ${FORBIDDEN_PROJECT_ID}  ${name(FORBIDDEN_PROJECT_ID).padEnd(11)} 403 for these credentials`,
    '  point a client at it (DBSS and IAM are both served here):',
    `    export DBSS_ENDPOINT=${o.url}`,
    `    export HUAWEICLOUD_SDK_IAM_ENDPOINT=${o.url}`,
    `    export HUAWEICLOUD_SDK_REGION=${name(DEMO_PROJECT_ID)}`,
    `    export HUAWEICLOUD_SDK_PROJECT_ID=${DEMO_PROJECT_ID}`,
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
    `    # ECS metadata: temporary AK/SK + security token from GET /openstack/latest/securitykey (${o.tempCredentialTtlSeconds} s)`,
    `    export DBSS_METADATA_ENDPOINT=${o.url}`,
    `  try: curl -H "X-Auth-Token: ${o.token}" ${o.url}/v2/${DEMO_PROJECT_ID}/audit/backup/obs-buckets`,
    '',
  ].join('\n');
}
