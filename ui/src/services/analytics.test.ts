// The dashboards' service: the command names and arguments the shell expects (the CLI's flags,
// unset filters as null) and the display formatting, which must show the core's decimals exactly.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const invoke = vi.fn();

vi.mock('@tauri-apps/api/core', () => ({
  invoke: (...args: unknown[]) => invoke(...args),
  Channel: class {
    onmessage: (m: unknown) => void = () => undefined;
  },
}));

const analytics = await import('./analytics');

beforeEach(() => {
  invoke.mockReset();
  invoke.mockResolvedValue(null);
});

function lastCall(): unknown[] {
  return invoke.mock.calls[invoke.mock.calls.length - 1] ?? [];
}

describe('analytics commands', () => {
  const none = { from: null, to: null, region: null, mall: null };

  it.each([
    [() => analytics.dashboard('compare', {}), 'dashboard', { kind: 'compare', ...none }],
    [
      () => analytics.dashboard('regions', { from: '2025-01-01', to: ' 2025-12-31 ', region: '', mall: 'SH01' }),
      'dashboard',
      { kind: 'regions', from: '2025-01-01', to: '2025-12-31', region: null, mall: 'SH01' },
    ],
    [() => analytics.dashboardChart('card-types', { region: 'east' }), 'dashboard_chart', { kind: 'card-types', ...none, region: 'east' }],
    [
      () => analytics.dashboardExport('merchants', 'xlsx', '/tmp/m.xlsx', {}),
      'dashboard_export',
      { kind: 'merchants', ...none, format: 'xlsx', path: '/tmp/m.xlsx' },
    ],
    [() => analytics.forecast({ merchant: 7 }, 4), 'forecast', { merchant: 7, category: null, mall: null, weeks: 4, lead_days: null }],
    [
      () => analytics.forecast({ category: 'dining', mall: ' SH01 ' }, 8, 21),
      'forecast',
      { merchant: null, category: 'dining', mall: 'SH01', weeks: 8, lead_days: 21 },
    ],
    [() => analytics.forecastChart({ category: 'kids', mall: '' }, 4), 'forecast_chart', { merchant: null, category: 'kids', mall: null, weeks: 4, lead_days: null }],
    [
      () => analytics.forecastExport({ merchant: 3 }, 4, 'xlsx', '/tmp/f.xlsx'),
      'forecast_export',
      { merchant: 3, category: null, mall: null, weeks: 4, lead_days: null, format: 'xlsx', path: '/tmp/f.xlsx' },
    ],
    [() => analytics.dashboardCatalog(), 'dashboard_catalog', undefined],
    [() => analytics.importList(), 'import_list', { limit: 100 }],
  ])('%#: sends %s', async (run, command, args) => {
    await run();
    expect(lastCall()).toEqual([command, args]);
  });

  it('hands the core SVG through untouched', async () => {
    invoke.mockResolvedValue('<svg width="1200"></svg>');
    await expect(analytics.dashboardChart('compare', {})).resolves.toBe('<svg width="1200"></svg>');
  });

  it('rejects with the core refusal code (operators may not read dashboards)', async () => {
    invoke.mockRejectedValue({ code: 'forbidden', message: 'user op (role operator) may not read the dashboards' });
    await expect(analytics.dashboard('compare', {})).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('imports', () => {
  it('sends the kind, the trimmed path, the job and a progress channel', async () => {
    const seen: unknown[] = [];
    await analytics.importRun('sales', ' /srv/sales-1.csv ', 'job-1', (p) => seen.push(p));
    const [command, args] = lastCall() as [string, { kind: string; path: string; job: string; on_progress: { onmessage: (p: unknown) => void } }];
    expect(command).toBe('import_run');
    expect(args).toMatchObject({ kind: 'sales', path: '/srv/sales-1.csv', job: 'job-1' });
    args.on_progress.onmessage({ done: 1, total: 2, stage: 'checking' });
    expect(seen).toEqual([{ done: 1, total: 2, stage: 'checking' }]);
  });

  it.each([
    [null, 0],
    [{ done: 0, total: 100, stage: 'reading' }, 0],
    [{ done: 100, total: 100, stage: 'reading' }, 10],
    [{ done: 500, total: 1000, stage: 'checking' }, 30],
    [{ done: 0, total: 1000, stage: 'writing' }, 50],
    [{ done: 1000, total: 1000, stage: 'writing' }, 99],
    [{ done: 0, total: 0, stage: 'committed' }, 100],
    [{ done: 1, total: 1, stage: 'queued' }, 0],
  ])('progress %j -> %d%%', (p, percent) => {
    expect(analytics.importPercent(p)).toBe(percent);
  });

  it('imports only CSV and XLSX files', () => {
    expect(analytics.importableFile('/srv/sales.csv')).toBe(true);
    expect(analytics.importableFile(' C:\\data\\Sales.XLSX ')).toBe(true);
    expect(analytics.importableFile('/srv/sales.txt')).toBe(false);
    expect(analytics.importableFile('/srv/csv')).toBe(false);
  });
});

describe('dashboard catalog', () => {
  const catalog = {
    regions: ['east', 'west'],
    malls: [
      { code: 'SH01', name: 'SH', region: 'east', city_tier: 1 },
      { code: 'CD01', name: 'CD', region: 'west', city_tier: 2 },
    ],
    merchants: [],
    categories: [],
  };
  it('offers the malls of the chosen region, or all', () => {
    expect(analytics.mallsOfRegion(catalog, 'west').map((m) => m.code)).toEqual(['CD01']);
    expect(analytics.mallsOfRegion(catalog, undefined).map((m) => m.code)).toEqual(['SH01', 'CD01']);
    expect(analytics.mallsOfRegion(undefined, 'east')).toEqual([]);
  });
});

describe('analytics formatting', () => {
  it.each([
    ['0.4500', '45.00%'],
    ['0.1900', '19.00%'],
    ['1.1000', '110.00%'],
    ['-0.7000', '-70.00%'],
    ['-0.0050', '-0.50%'],
    ['0.123456', '12.3456%'],
    ['0', '0%'],
    [null, '-'],
    [undefined, '-'],
  ])('ratio %s -> %s', (value, shown) => {
    expect(analytics.formatRatio(value)).toBe(shown);
  });

  it('shows ratios as percentages and money and counts as sent', () => {
    expect(analytics.formatFigure('member_conversion', '0.7200')).toBe('72.00%');
    expect(analytics.formatFigure('avg_ticket', '1234.56')).toBe('1234.56');
    expect(analytics.formatFigure('footfall_per_mall', 1800000)).toBe('1800000');
    expect(analytics.formatFigure('avg_ticket', null)).toBe('-');
  });

  it('shows a reference as one value or a range', () => {
    expect(analytics.formatReference(['800.00', '1200.00'])).toBe('800.00 – 1200.00');
    expect(analytics.formatReference('0.4500', analytics.formatRatio)).toBe('45.00%');
    expect(analytics.formatReference(['0.0900', '0.1500'], analytics.formatRatio)).toBe('9.00% – 15.00%');
    expect(analytics.formatReference(undefined)).toBe('-');
  });

  it('gives the export file the extension of its format', () => {
    expect(analytics.withExtension('/tmp/compare', 'xlsx')).toBe('/tmp/compare.xlsx');
    expect(analytics.withExtension('/tmp/compare.csv', 'xlsx')).toBe('/tmp/compare.xlsx');
    expect(analytics.withExtension('C:\\out\\a.b\\report', 'csv')).toBe('C:\\out\\a.b\\report.csv');
    expect(analytics.withExtension('  ', 'csv')).toBe('');
  });
});
