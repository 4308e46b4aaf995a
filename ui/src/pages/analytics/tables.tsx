// The figures of each dashboard as Ant Design tables, each figure with its reference value from
// DOMAIN.md beside it. Every number is the core's; this file only lays them out.
import { Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useTranslation } from 'react-i18next';
import {
  formatFigure,
  formatReference,
  MODES,
  RATIO_KEYS,
  type CardTypesDashboard,
  type CompareDashboard,
  type MerchantsDashboard,
  type ModeFigures,
  type Reference,
  type RegionsDashboard,
} from '../../services/analytics';

/** The mode figures every comparison table shows, in order. */
export const MODE_FIGURES = [
  'footfall_per_mall',
  'avg_ticket',
  'repurchase_rate',
  'member_conversion',
  'marketing_cost_share',
  'sales',
  'transactions',
  'malls',
  'mall_days',
] as const;

export const MERCHANT_FIGURES = ['checkout_seconds', 'return_rate', 'marketing_reach', 'inventory_days'] as const;

function ref(key: string, r: Reference | undefined): string {
  return formatReference(r, (v) => formatFigure(RATIO_KEYS.has(key) ? key : 'value', v));
}

/** A figure with its reference underneath in grey. */
function Figure({ k, value, reference }: { k: string; value: string | number | null | undefined; reference?: Reference }) {
  const { t } = useTranslation();
  return (
    <span>
      {formatFigure(k, value)}
      {reference !== undefined && (
        <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
          {t('analytics.referenceShort', { value: ref(k, reference) })}
        </Typography.Text>
      )}
    </span>
  );
}

interface FigureRow {
  key: string;
  figure: string;
  values: Record<string, ModeFigures>;
}

function modeColumns(t: (k: string) => string): ColumnsType<FigureRow> {
  return [
    { title: t('analytics.figure'), dataIndex: 'figure', key: 'figure', render: (k: string) => t(`analytics.figures.${k}`) },
    ...MODES.map((m) => ({
      title: t(`analytics.modes.${m}`),
      key: m,
      render: (_: unknown, row: FigureRow) => {
        const f = row.values[m];
        return <Figure k={row.figure} value={f?.[row.figure as keyof ModeFigures] as string | number | null} reference={f?.reference[row.figure]} />;
      },
    })),
  ];
}

export function CompareTable({ data }: { data: CompareDashboard }) {
  const { t } = useTranslation();
  const rows: FigureRow[] = MODE_FIGURES.map((figure) => ({ key: figure, figure, values: data.modes }));
  return (
    <>
      <Table size="small" pagination={false} rowKey="key" columns={modeColumns(t)} dataSource={rows} data-testid="dashboard-table" />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('analytics.uplift')}
      </Typography.Title>
      <Table
        size="small"
        pagination={false}
        rowKey="key"
        columns={[
          { title: t('analytics.figure'), dataIndex: 'key', render: (k: string) => t(`analytics.figures.${k}`) },
          { title: t('analytics.change'), dataIndex: 'value', render: (v: string | null) => formatFigure('change', v) },
          { title: t('analytics.reference'), dataIndex: 'reference', render: (r: Reference | undefined) => ref('change', r) },
        ]}
        dataSource={(['avg_ticket', 'repurchase_rate'] as const).map((key) => ({
          key,
          value: data.uplift[key],
          reference: data.uplift.reference[key],
        }))}
      />
    </>
  );
}

interface GroupRow {
  key: string;
  group: string;
  mode: string;
  figures: ModeFigures;
}

export function RegionsTable({ data, language }: { data: RegionsDashboard; language: string }) {
  const { t } = useTranslation();
  const rows: GroupRow[] = [
    ...data.tiers.flatMap((g) =>
      MODES.map((m) => ({ key: `tier-${g.tier}-${m}`, group: t('analytics.tier', { n: g.tier }), mode: m, figures: g.modes[m] })),
    ),
    ...data.regions.flatMap((g) => MODES.map((m) => ({ key: `region-${g.region}-${m}`, group: g.region, mode: m, figures: g.modes[m] }))),
  ];
  const columns: ColumnsType<GroupRow> = [
    { title: t('analytics.group'), dataIndex: 'group', key: 'group' },
    { title: t('analytics.mode'), dataIndex: 'mode', key: 'mode', render: (m: string) => t(`analytics.modes.${m}`) },
    ...MODE_FIGURES.slice(0, 6).map((k) => ({
      title: t(`analytics.figures.${k}`),
      key: k,
      render: (_: unknown, row: GroupRow) => <Figure k={k} value={row.figures?.[k]} reference={row.figures?.reference[k]} />,
    })),
  ];
  return (
    <>
      <Table size="small" pagination={false} rowKey="key" columns={columns} dataSource={rows} data-testid="dashboard-table" />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('analytics.strategy')}
      </Typography.Title>
      {data.tiers.map((g) => (
        <Typography.Paragraph key={g.tier}>
          <Typography.Text strong>{t('analytics.tier', { n: g.tier })}</Typography.Text>: {language === 'zh-CN' ? g.strategy_zh : g.strategy}
        </Typography.Paragraph>
      ))}
    </>
  );
}

type Side = 'before' | 'after' | 'change';
const SIDES: readonly Side[] = ['before', 'after', 'change'];

export function MerchantsTable({ data }: { data: MerchantsDashboard }) {
  const { t } = useTranslation();
  const summary = MERCHANT_FIGURES.map((k) => ({ key: k }));
  const fmt = (k: string, side: Side, v: string | number | null | undefined) => formatFigure(side === 'change' ? 'change' : k, v);
  type MerchantRow = MerchantsDashboard['merchants'][number];
  return (
    <>
      <Table
        size="small"
        pagination={false}
        rowKey="key"
        data-testid="dashboard-table"
        dataSource={summary}
        columns={[
          { title: t('analytics.figure'), dataIndex: 'key', render: (k: string) => t(`analytics.figures.${k}`) },
          ...SIDES.map((side) => ({
            title: t(`analytics.sides.${side}`),
            key: side,
            render: (_: unknown, row: { key: string }) => {
              const k = row.key as (typeof MERCHANT_FIGURES)[number];
              const r = data.reference[k]?.[side];
              return (
                <span>
                  {fmt(k, side, data.summary[side][k])}
                  <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                    {t('analytics.referenceShort', {
                      value: formatReference(r, (v) => fmt(k, side, v)),
                    })}
                  </Typography.Text>
                </span>
              );
            },
          })),
        ]}
      />
      <Typography.Title level={5} style={{ marginTop: 16 }}>
        {t('analytics.merchantList')}
      </Typography.Title>
      <Table<MerchantRow>
        size="small"
        rowKey="merchant"
        dataSource={data.merchants}
        pagination={{ pageSize: 20 }}
        scroll={{ x: true }}
        columns={[
          { title: t('analytics.merchant'), dataIndex: 'name', key: 'name' },
          { title: t('analytics.mall'), dataIndex: 'mall', key: 'mall' },
          { title: t('analytics.category'), dataIndex: 'category', key: 'category' },
          ...MERCHANT_FIGURES.map((k) => ({
            title: t(`analytics.figures.${k}`),
            key: k,
            render: (_: unknown, m: MerchantRow) => (
              <span>
                {fmt(k, 'before', m.before[k])} → {fmt(k, 'after', m.after[k])}
                <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                  {fmt(k, 'change', m.change[k])}
                </Typography.Text>
              </span>
            ),
          })),
        ]}
      />
    </>
  );
}

export function CardTypesTable({ data }: { data: CardTypesDashboard }) {
  const { t } = useTranslation();
  const rows = (['physical', 'virtual', 'cobrand'] as const).map((type) => ({ key: type, type, f: data.types[type] }));
  type Row = (typeof rows)[number];
  return (
    <Table<Row>
      size="small"
      pagination={false}
      rowKey="key"
      data-testid="dashboard-table"
      dataSource={rows}
      columns={[
        { title: t('analytics.cardType'), dataIndex: 'type', render: (ty: string) => t(`cardType.${ty}`) },
        { title: t('analytics.figures.transactions'), render: (_: unknown, r: Row) => formatFigure('transactions', r.f?.transactions) },
        { title: t('analytics.figures.amount'), render: (_: unknown, r: Row) => formatFigure('amount', r.f?.amount) },
        {
          title: t('analytics.figures.avg_ticket'),
          render: (_: unknown, r: Row) => <Figure k="avg_ticket" value={r.f?.avg_ticket} reference={r.f?.reference.ticket} />,
        },
        { title: t('analytics.figures.weekend_share'), render: (_: unknown, r: Row) => formatFigure('weekend_share', r.f?.weekend_share) },
        {
          title: t('analytics.figures.weekday_lunch_share'),
          render: (_: unknown, r: Row) => formatFigure('weekday_lunch_share', r.f?.weekday_lunch_share),
        },
        {
          title: t('analytics.topCategories'),
          render: (_: unknown, r: Row) => (
            <span>
              {(r.f?.categories ?? [])
                .slice()
                .sort((a, b) => b.transactions - a.transactions)
                .slice(0, 3)
                .map((c) => `${c.category} ${formatFigure('share', c.share)}`)
                .join(', ')}
              <Typography.Text type="secondary" style={{ display: 'block', fontSize: 12 }}>
                {t('analytics.referenceShort', { value: (r.f?.reference.categories ?? []).join(', ') })}
              </Typography.Text>
            </span>
          ),
        },
      ]}
    />
  );
}
