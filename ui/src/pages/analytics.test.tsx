// @vitest-environment jsdom
// The dashboards' region/mall selects, the forecast tab and the imports screen against a fake
// shell: what they show of the core's JSON and what they send.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../bindings';
import type { DashboardCatalog, Forecast } from '../services/analytics';
import { ADMIN, FakeShell } from '../test/fakeShell';

let shell = new FakeShell();
vi.mock('@tauri-apps/api/core', () => ({
  invoke: (command: string, args?: unknown) => shell.invoke(command, args),
  Channel: class {
    onmessage: (m: unknown) => void = () => undefined;
  },
}));

const { renderAt, type } = await import('../test/screen');
const { changeLanguage } = await import('../i18n');

const CATALOG: DashboardCatalog = {
  regions: ['east', 'west'],
  malls: [
    { code: 'SH01', name: '上海奥莱', region: 'east', city_tier: 1 },
    { code: 'CD01', name: '成都奥莱', region: 'west', city_tier: 2 },
  ],
  merchants: [
    { id: 3, mall: 'SH01', name: 'Brand A', category: 'dining' },
    { id: 4, mall: 'CD01', name: 'Brand B', category: 'dining' },
  ],
  categories: ['dining'],
};

const FORECAST: Forecast = {
  merchant: null,
  mall: null,
  category: 'dining',
  merchants: [3, 4],
  method: 'seasonal_naive_drift',
  weeks: 2,
  history_days: 42,
  history_from: '2026-01-12',
  history_to: '2026-02-22',
  history: [{ week_start: '2026-02-16', sales: '1120.00' }],
  forecast: [
    { week_start: '2026-02-23', sales: '1120.00' },
    { week_start: '2026-03-02', sales: '1120.00' },
  ],
  backtest_mape: '0.1786',
  reorder: {
    lead_days: 14,
    cost_ratio: '0.5000',
    demand_at_cost: '560.00',
    safety_stock: '35.00',
    stock_on_hand: '500.00',
    reorder_at_cost: '95.00',
    merchants_counted: [3, 4],
    merchants_without_inventory: [],
  },
  reorder_reason: null,
};

const EMPTY_COMPARE = { from: '2025-01-01', to: '2025-12-31', modes: {}, uplift: { avg_ticket: null, repurchase_rate: null, reference: {} } };

beforeEach(async () => {
  shell = new FakeShell();
  shell.handlers.session = () => ADMIN;
  shell.handlers.dashboard_catalog = () => CATALOG;
  shell.handlers.dashboard = () => EMPTY_COMPARE;
  shell.handlers.dashboard_chart = () => '<svg data-x="1"></svg>';
  await changeLanguage('en-US');
});

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

/** Opens an Ant Design select by its test id and picks the option with `label`. */
async function pick(testId: string, label: string): Promise<void> {
  const select = await screen.findByTestId(testId);
  const box = select.closest('.ant-select') ?? select;
  fireEvent.mouseDown(box.querySelector('.ant-select-selector') ?? box);
  const options = await screen.findAllByText(label, { selector: '.ant-select-item-option-content, .ant-select-item-option-content *' });
  fireEvent.click(options[options.length - 1] as HTMLElement);
}

describe('dashboards filter', () => {
  it('offers the regions and malls of the catalog and sends the chosen ones', async () => {
    await renderAt('#/analytics');
    await pick('dashboard-region', 'West');
    await pick('dashboard-mall', '成都奥莱 (CD01)');
    fireEvent.click(screen.getByTestId('dashboard-apply'));
    await waitFor(() =>
      expect(shell.argsOf('dashboard').slice(-1)[0]).toEqual({ kind: 'compare', from: null, to: null, region: 'west', mall: 'CD01' }),
    );
  });
});

describe('forecast tab', () => {
  it('forecasts a category in a mall and shows the chart, method, MAPE, weeks and reorder', async () => {
    shell.handlers.forecast = () => ({ ...FORECAST, mall: 'SH01' });
    shell.handlers.forecast_chart = () => '<svg data-testid="core-forecast-svg"></svg>';
    shell.handlers.forecast_export = () => ({ path: '/tmp/f.csv', rows: 3 });
    await renderAt('#/analytics');
    fireEvent.click(await screen.findByTestId('dashboard-tab-forecast'));
    fireEvent.click(await screen.findByTestId('forecast-by-category'));
    await pick('forecast-category', 'Dining');
    await pick('forecast-mall', '上海奥莱 (SH01)');
    fireEvent.click(screen.getByTestId('forecast-run'));
    expect(await screen.findByTestId('core-forecast-svg')).toBeTruthy();
    const args = { merchant: null, category: 'dining', mall: 'SH01', weeks: 4, lead_days: 14 };
    expect(shell.argsOf('forecast')).toEqual([args]);
    expect(shell.argsOf('forecast_chart')).toEqual([args]);
    expect(screen.getByTestId('forecast-mape').textContent).toBe('17.86%');
    expect(screen.getByTestId('forecast-method').textContent).toContain('Seasonal naive');
    expect(screen.getByTestId('forecast-reorder-amount').textContent).toBe('95.00');
    const table = screen.getByTestId('forecast-table');
    expect(within(table).getAllByText('1120.00')).toHaveLength(3);
    expect(within(table).getByText('2026-03-02')).toBeTruthy();
    await type('forecast-export-path', '/tmp/f');
    fireEvent.click(screen.getByTestId('forecast-export-csv'));
    expect((await screen.findByTestId('forecast-exported')).textContent).toContain('/tmp/f.csv');
    expect(shell.argsOf('forecast_export')).toEqual([{ ...args, format: 'csv', path: '/tmp/f.csv' }]);
  });

  it('says why there is no reorder suggestion', async () => {
    shell.handlers.forecast = () => ({ ...FORECAST, merchant: 3, name: 'Brand A', mall: 'SH01', reorder: null, reorder_reason: 'no_inventory', backtest_mape: null });
    shell.handlers.forecast_chart = () => '<svg></svg>';
    await renderAt('#/analytics');
    fireEvent.click(await screen.findByTestId('dashboard-tab-forecast'));
    await pick('forecast-merchant', 'Brand A · SH01 · Dining');
    fireEvent.click(screen.getByTestId('forecast-run'));
    expect((await screen.findByTestId('forecast-reorder-reason')).textContent).toContain('No stock counts');
    expect(screen.getByTestId('forecast-mape').textContent).toContain('too short');
    expect(shell.argsOf('forecast')).toEqual([{ merchant: 3, category: null, mall: null, weeks: 4, lead_days: 14 }]);
  });
});

describe('imports', () => {
  it('imports a file with progress and lists it', async () => {
    let listed = false;
    shell.handlers.import_list = () =>
      listed ? [{ import_id: 9, kind: 'footfall', file: 'footfall-1.csv', rows: 3, actor: 'admin', imported_at: '2026-11-27T10:00:00+08:00' }] : [];
    shell.handlers.import_run = (args) => {
      const { on_progress: onProgress } = args as { on_progress: { onmessage: (p: JobProgress) => void } };
      onProgress.onmessage({ done: 1, total: 3, stage: 'checking' });
      listed = true;
      return { imported: { import_id: 9, kind: 'footfall', file: 'footfall-1.csv', rows: 3, card_rows: 0 } };
    };
    await renderAt('#/imports');
    await pick('import-kind', 'Footfall');
    await type('import-path', ' /tmp/footfall-1.csv ');
    fireEvent.click(screen.getByTestId('import-run'));
    expect((await screen.findByTestId('import-done')).textContent).toContain('3 rows');
    const [sent] = shell.argsOf('import_run') as { kind: string; path: string; job: string }[];
    expect(sent).toMatchObject({ kind: 'footfall', path: '/tmp/footfall-1.csv' });
    expect(sent?.job).toMatch(/^job-/);
    expect(await within(screen.getByTestId('import-list')).findByText('footfall-1.csv')).toBeTruthy();
  });

  it('lists every bad row of a refused file', async () => {
    shell.handlers.import_list = () => [];
    shell.handlers.import_run = () => ({
      error: {
        code: 'invalid_rows',
        message: '2 bad rows',
        rows: [
          { line: 2, column: 'date', reason: 'expected YYYY-MM-DD' },
          { line: 3, column: 'mall', reason: 'no mall XX' },
        ],
      },
    });
    await renderAt('#/imports');
    await type('import-path', '/tmp/members.csv');
    fireEvent.click(screen.getByTestId('import-run'));
    const bad = await screen.findByTestId('import-bad-rows');
    expect(within(bad).getByText('no mall XX')).toBeTruthy();
    expect(within(bad).getByText('expected YYYY-MM-DD')).toBeTruthy();
  });

  it('cancels a running import and says nothing was written', async () => {
    shell.handlers.import_list = () => [];
    let cancel: () => void = () => undefined;
    shell.handlers.import_run = () =>
      new Promise((_resolve, reject) => {
        cancel = () => reject({ code: 'cancelled', message: 'the job was cancelled' });
      });
    shell.handlers.job_cancel = () => {
      cancel();
      return true;
    };
    await renderAt('#/imports');
    await type('import-path', '/tmp/sales.xlsx');
    fireEvent.click(screen.getByTestId('import-run'));
    fireEvent.click(await screen.findByTestId('import-cancel'));
    expect((await screen.findByTestId('import-cancelled')).textContent).toContain('nothing was written');
    const [sent] = shell.argsOf('import_run') as { job: string }[];
    expect(shell.argsOf('job_cancel')).toEqual([{ job: sent?.job }]);
  });

  it('says in the user language that a file cannot be read', async () => {
    shell.handlers.import_list = () => [];
    shell.refuse('import_run', 'invalid_file', 'cannot read /tmp/missing.csv: No such file or directory');
    await renderAt('#/imports');
    await type('import-path', '/tmp/missing.csv');
    fireEvent.click(screen.getByTestId('import-run'));
    expect((await screen.findByTestId('import-error')).textContent).toContain('cannot be read');
    expect(screen.getByText(/No such file or directory/)).toBeTruthy();
  });

  it('refuses a file that is neither CSV nor XLSX before asking the shell', async () => {
    shell.handlers.import_list = () => [];
    await renderAt('#/imports');
    await type('import-path', '/tmp/sales.txt');
    fireEvent.click(screen.getByTestId('import-run'));
    expect(await screen.findByText('Only .csv and .xlsx files can be imported')).toBeTruthy();
    expect(shell.argsOf('import_run')).toHaveLength(0);
  });
});
