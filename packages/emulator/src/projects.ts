// The emulated account's projects: their names (for IAM) and buckets (for DBSS), changeable at runtime.
import { DEMO_DOMAIN_ID, type WireBucket } from './data.js';

export interface IamProject {
  id: string;
  name: string;
  domain_id: string;
  enabled: true;
  description: string;
  is_domain: false;
  parent_id: string;
}

export class ProjectStore {
  private readonly buckets = new Map<string, readonly WireBucket[]>();
  /** Serialized 200 bodies, built once per project and dropped when its buckets change. */
  private readonly bodies = new Map<string, string>();
  private readonly names = new Map<string, string>();

  constructor(names: Readonly<Record<string, string>>) {
    for (const [id, name] of Object.entries(names)) this.names.set(id, name);
  }

  setBuckets(projectId: string, list: readonly WireBucket[]): void {
    this.buckets.set(projectId, list);
    this.bodies.delete(projectId);
  }

  hasBuckets(projectId: string): boolean {
    return this.buckets.has(projectId);
  }

  /** `{"obs_list":[…]}` for a project with buckets. */
  listBody(projectId: string): string | undefined {
    let text = this.bodies.get(projectId);
    if (text === undefined) {
      const list = this.buckets.get(projectId);
      if (list === undefined) return undefined;
      text = JSON.stringify({ obs_list: list });
      this.bodies.set(projectId, text);
    }
    return text;
  }

  setName(projectId: string, name: string): void {
    this.names.set(projectId, name);
  }

  /** IAM's view of every project: named ones, and any project given buckets (named by its id). */
  all(): IamProject[] {
    const ids = new Set([...this.names.keys(), ...this.buckets.keys()]);
    return [...ids].map((id) => this.project(id));
  }

  project(id: string): IamProject {
    return {
      id,
      name: this.names.get(id) ?? id,
      domain_id: DEMO_DOMAIN_ID,
      enabled: true,
      description: '',
      is_domain: false,
      parent_id: DEMO_DOMAIN_ID,
    };
  }

  idByName(name: string): string | undefined {
    for (const [id, n] of this.names) if (n === name) return id;
    return undefined;
  }
}
