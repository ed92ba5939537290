/** How a provider/model group is named in every human-readable report. */
export function groupLabel(provider: string | null, model: string | null): string {
  return provider === null ? '(no interception)' : `${provider} / ${model ?? '?'}`;
}
