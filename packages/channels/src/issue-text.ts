import type { z } from 'zod';

/**
 * A zod issue as `field.path: message`, the way sdetkit's errors name the
 * field, under `prefix` when the parsed value sat inside something else
 * (`event` for a Slack event). A problem with the value itself is just the
 * message.
 */
export function issueText(issue: z.core.$ZodIssue, prefix?: string): string {
  const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}
