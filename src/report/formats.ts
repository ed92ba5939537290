/** The report's output formats. Plain data, so --help can list them without loading zod. */
export const REPORT_FORMATS = ['text', 'json', 'markdown', 'junit', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
