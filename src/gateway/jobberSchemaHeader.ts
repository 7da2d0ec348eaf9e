/** The header comment of `schema/jobber.graphql`: the API version line is machine-read at start. */
export function buildJobberSchemaHeader(version: string, source: string): string {
  return [
    `# Jobber GraphQL API schema, X-JOBBER-GRAPHQL-VERSION: ${version}`,
    `# Source: ${source}.`,
    '# Copyright (c) 2022 Jobber, MIT License (see README.md, "Attribution").',
    '# Generated: do not edit by hand; regenerate with `npm run schema:pull`.',
    '',
    '',
  ].join('\n');
}

/** Reads the version back from the header written by {@link buildJobberSchemaHeader}. */
export function parseJobberSchemaVersion(sdl: string): string | undefined {
  return /X-JOBBER-GRAPHQL-VERSION: (\d{4}-\d{2}-\d{2})/.exec(sdl)?.[1];
}
