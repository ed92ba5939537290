/** The formats a verify report renders to, named once for --format's choices and the renderers. */
export const REPORT_FORMATS = ['text', 'json', 'markdown', 'junit', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
