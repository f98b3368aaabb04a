export declare const retry: { retry: number; reporters: string[] };
