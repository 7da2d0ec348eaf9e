import type { Locator, Page } from 'playwright-core';

/**
 * The GraphiQL explorer as a user drives it: tabs, the operation and headers editors, Run and the
 * result pane. Editors are Monaco: text goes in by pasting (as a user would), because typed braces
 * and quotes are auto-closed and Enter accepts autocompletion.
 */
export interface GraphqlAnswer {
  status: number;
  body: { data?: Record<string, any>; errors?: unknown[]; extensions?: Record<string, unknown> };
  /** The Authorization header the explorer sent (to check which credential was used). */
  authorization: string | undefined;
}

export function createExplorer(page: Page) {
  const queryEditor = page.locator('section.graphiql-query-editor .graphiql-editor');
  const headersEditor = page.locator('section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden)');
  const resultPane = page.locator('section.result-window');

  const paste = async (editor: Locator, text: string) => {
    await editor.click();
    await page.evaluate((value) => navigator.clipboard.writeText(value), text);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('ControlOrMeta+V');
  };

  return {
    queryEditor,
    headersEditor,
    resultPane,

    /** Waits until the page has rendered its tabs (the inline bundle is a few MB). */
    async ready(): Promise<void> {
      await page.getByRole('tablist', { name: 'Select active operation' }).waitFor({ state: 'visible', timeout: 60_000 });
    },

    tab(title: string): Locator {
      return page.getByRole('tab').filter({ hasText: title });
    },

    async selectTab(title: string): Promise<void> {
      const tab = page.getByRole('tab').filter({ hasText: title });
      await tab.getByText(title, { exact: true }).click();
      await tab.and(page.locator('.graphiql-tab-active')).waitFor({ state: 'visible' });
    },

    /** Opens a new tab and pastes `query` into it. */
    async newTab(query: string): Promise<void> {
      const before = await page.getByRole('tab').count();
      await page.getByRole('button', { name: 'New tab' }).click();
      await page.waitForFunction((count) => document.querySelectorAll('[role="tab"]').length === count + 1, before);
      await paste(queryEditor, query);
    },

    async setHeaders(json: string): Promise<void> {
      await paste(headersEditor, json);
    },

    /**
     * Presses Run and returns the answer to `operationName` as the browser received it; the caller then
     * waits for what it expects to be visible in the result pane.
     */
    async run(operationName: string): Promise<GraphqlAnswer> {
      const answered = page.waitForResponse(
        (response) => {
          const request = response.request();
          if (request.method() !== 'POST' || !new URL(response.url()).pathname.endsWith('/graphql')) return false;
          try {
            // GraphiQL sends operationName only when it has picked one (not for a lone operation in a new tab).
            const body = JSON.parse(request.postData() ?? '{}') as { operationName?: string; query?: string };
            return body.operationName === operationName || new RegExp(`^\\s*(query|mutation)\\s+${operationName}\\b`).test(body.query ?? '');
          } catch {
            return false;
          }
        },
        { timeout: 60_000 },
      );
      await page.getByRole('button', { name: /^Execute query/ }).click();
      const response = await answered;
      const authorization = (await response.request().allHeaders()).authorization;
      return { status: response.status(), body: (await response.json()) as GraphqlAnswer['body'], authorization };
    },

    /** Waits until the result pane shows `text` (Monaco renders only the visible lines: ask for early ones). */
    async waitForResult(text: string): Promise<void> {
      await resultPane.getByText(text, { exact: false }).first().waitFor({ state: 'visible', timeout: 30_000 });
    },

    /** Scrolls the result pane to its end, where the answer's `extensions` are. */
    async scrollResultToEnd(): Promise<void> {
      await resultPane.click();
      await page.keyboard.press('ControlOrMeta+End');
    },

    /** The visible text of the headers editor (Monaco draws spaces as no-break spaces). */
    async headersText(): Promise<string> {
      return (await headersEditor.innerText()).replace(/\u00a0/g, ' ');
    },

    /** Everything the page keeps in the browser's storage, as one string. */
    storage(): Promise<string> {
      return page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } }));
    },
  };
}

export type Explorer = ReturnType<typeof createExplorer>;
