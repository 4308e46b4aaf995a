// The forecast tab: the next weeks of a merchant's or a category's net sales, as the core computes
// them (`onecard forecast`): its chart (the core's SVG), the method and backtest error, the weekly
// table (history then forecast) with XLSX/CSV export, and the reorder suggestion at cost. The
// merchants, categories and malls offered are those in the user's view (`dashboard_catalog`).
import { useState } from 'react';
import { Alert, Button, Card, Descriptions, Flex, Form, Input, InputNumber, Radio, Select, Space, Spin, Table, Typography } from 'antd';
import { DownloadOutlined, LineChartOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import RefusalAlert from '../../components/RefusalAlert';
import { useSubmit } from '../../hooks/useCommand';
import {
  forecast,
  forecastChart,
  forecastExport,
  formatRatio,
  withExtension,
  type DashboardCatalog,
  type ExportFileFormat,
  type Forecast,
  type ForecastSubject,
} from '../../services/analytics';

interface Values {
  by: 'merchant' | 'category';
  merchant?: number;
  category?: string;
  mall?: string;
  weeks: number;
  lead_days: number;
}

/** The subject the form describes, or null while it is incomplete. */
export function subjectOf(v: Partial<Values>): ForecastSubject | null {
  if (v.by === 'category') return v.category ? { category: v.category, mall: v.mall } : null;
  return v.merchant === undefined || v.merchant === null ? null : { merchant: v.merchant };
}

/** A mall as a select option: searchable by code and name, its label tagged for tests. */
export function mallOption(m: DashboardCatalog['malls'][number]) {
  const text = `${m.name} (${m.code})`;
  return { value: m.code, search: text, label: <span data-value={m.code}>{text}</span> };
}

interface Shown {
  subject: ForecastSubject;
  weeks: number;
  leadDays: number;
  data: Forecast;
  svg: string;
}

export default function ForecastPanel({ catalog }: { catalog: DashboardCatalog | undefined }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const by = Form.useWatch('by', form) ?? 'merchant';
  const [shown, setShown] = useState<Shown | null>(null);
  const [path, setPath] = useState('');
  const [written, setWritten] = useState<string | null>(null);
  // Figures and chart together: a chart never sits beside another subject's table.
  const running = useSubmit(async (subject: ForecastSubject, weeks: number, leadDays: number) => {
    const [data, svg] = await Promise.all([forecast(subject, weeks, leadDays), forecastChart(subject, weeks, leadDays)]);
    return { subject, weeks, leadDays, data, svg };
  });
  const exporting = useSubmit((format: ExportFileFormat) => {
    if (shown === null) return Promise.reject(new Error('no forecast'));
    return forecastExport(shown.subject, shown.weeks, format, withExtension(path, format), shown.leadDays);
  });

  const onFinish = async (v: Values) => {
    const subject = subjectOf(v);
    if (subject === null) return;
    setWritten(null);
    const out = await running.run(subject, v.weeks, v.lead_days);
    if (out !== undefined) setShown(out);
  };

  const onExport = async (format: ExportFileFormat) => {
    setWritten(null);
    const out = await exporting.run(format);
    if (out !== undefined) setWritten(t('analytics.exported', { path: out.path, rows: out.rows }));
  };

  // Labels carry data-value (as the cashier's merchant picker) so tests pick by id, not by text.
  const merchants = (catalog?.merchants ?? []).map((m) => {
    const text = `${m.name} · ${m.mall} · ${t(`category.${m.category}`, { defaultValue: m.category })}`;
    return { value: m.id, search: `${m.id} ${text}`, label: <span data-value={m.id}>{text}</span> };
  });
  const categories = (catalog?.categories ?? []).map((c) => {
    const text = t(`category.${c}`, { defaultValue: c });
    return { value: c, search: `${c} ${text}`, label: <span data-value={c}>{text}</span> };
  });
  const malls = (catalog?.malls ?? []).map(mallOption);
  const data = shown?.data;
  const rows = data
    ? [
        ...data.history.map((w) => ({ key: `h${w.week_start}`, series: 'history', ...w })),
        ...data.forecast.map((w) => ({ key: `f${w.week_start}`, series: 'forecast', ...w })),
      ]
    : [];

  return (
    <>
      <Card style={{ marginBottom: 16 }}>
        <Form<Values>
          form={form}
          layout="inline"
          initialValues={{ by: 'merchant', weeks: 4, lead_days: 14 }}
          onFinish={(v) => void onFinish(v)}
          data-testid="forecast-form"
        >
          <Form.Item name="by">
            <Radio.Group
              optionType="button"
              options={[
                { value: 'merchant', label: <span data-testid="forecast-by-merchant">{t('analytics.forecast.byMerchant')}</span> },
                { value: 'category', label: <span data-testid="forecast-by-category">{t('analytics.forecast.byCategory')}</span> },
              ]}
            />
          </Form.Item>
          {by === 'merchant' ? (
            <Form.Item name="merchant" label={t('analytics.merchant')} rules={[{ required: true, message: t('analytics.forecast.pickMerchant') }]}>
              <Select
                showSearch
                optionFilterProp="search"
                options={merchants}
                placeholder={t('analytics.forecast.pickMerchant')}
                style={{ width: 280 }}
                data-testid="forecast-merchant"
              />
            </Form.Item>
          ) : (
            <>
              <Form.Item name="category" label={t('analytics.category')} rules={[{ required: true, message: t('analytics.forecast.pickCategory') }]}>
                <Select showSearch optionFilterProp="search" options={categories} placeholder={t('analytics.forecast.pickCategory')} style={{ width: 160 }} data-testid="forecast-category" />
              </Form.Item>
              <Form.Item name="mall" label={t('analytics.mall')}>
                <Select allowClear showSearch optionFilterProp="search" options={malls} placeholder={t('analytics.allMalls')} style={{ width: 200 }} data-testid="forecast-mall" />
              </Form.Item>
            </>
          )}
          <Form.Item name="weeks" label={t('analytics.forecast.weeks')}>
            <InputNumber min={1} max={52} precision={0} style={{ width: 80 }} data-testid="forecast-weeks" />
          </Form.Item>
          <Form.Item name="lead_days" label={t('analytics.forecast.leadDays')}>
            <InputNumber min={1} max={180} precision={0} style={{ width: 80 }} data-testid="forecast-lead-days" />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" icon={<LineChartOutlined />} loading={running.pending} data-testid="forecast-run">
              {t('analytics.forecast.run')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      <RefusalAlert error={running.error} testId="forecast-error" onClose={running.clearError} />
      {shown === null && !running.pending && <Typography.Paragraph type="secondary">{t('analytics.forecast.hint')}</Typography.Paragraph>}
      {shown !== null && data !== undefined && (
        <Spin spinning={running.pending}>
          <Card style={{ marginBottom: 16 }}>
            {/* The core's own SVG (plotters), drawn from figures, not user text. */}
            <div
              data-testid="forecast-chart"
              className="dashboard-chart"
              style={{ width: '100%', overflowX: 'auto' }}
              dangerouslySetInnerHTML={{ __html: shown.svg }}
            />
          </Card>
          <Card style={{ marginBottom: 16 }}>
            <Descriptions column={{ xs: 1, md: 2, xl: 4 }} size="small" data-testid="forecast-figures">
              <Descriptions.Item label={t('analytics.forecast.subject')}>
                {data.merchant !== null
                  ? `${data.name ?? data.merchant} · ${data.mall ?? ''}`
                  : `${t(`category.${data.category}`, { defaultValue: data.category })}${data.mall ? ` · ${data.mall}` : ''} (${t('analytics.forecast.merchantCount', { n: data.merchants?.length ?? 0 })})`}
              </Descriptions.Item>
              <Descriptions.Item label={t('analytics.forecast.method')}>
                <span data-testid="forecast-method">{t(`analytics.forecast.methods.${data.method}`, { defaultValue: data.method })}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('analytics.forecast.mape')}>
                <span data-testid="forecast-mape">{data.backtest_mape === null ? t('analytics.forecast.noBacktest') : formatRatio(data.backtest_mape)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t('analytics.forecast.history')}>
                {data.history_from === null
                  ? t('analytics.forecast.noHistory')
                  : t('analytics.forecast.historyRange', { from: data.history_from, to: data.history_to, days: data.history_days })}
              </Descriptions.Item>
            </Descriptions>
          </Card>
          <Card title={t('analytics.forecast.reorderTitle')} style={{ marginBottom: 16 }} data-testid="forecast-reorder">
            {data.reorder === null ? (
              <Alert type="info" showIcon message={t(`analytics.forecast.reasons.${data.reorder_reason ?? 'no_inventory'}`)} data-testid="forecast-reorder-reason" />
            ) : (
              <Descriptions column={{ xs: 1, md: 3 }} size="small">
                <Descriptions.Item label={t('analytics.forecast.reorderAtCost')}>
                  <Typography.Text strong data-testid="forecast-reorder-amount">
                    {data.reorder.reorder_at_cost}
                  </Typography.Text>
                </Descriptions.Item>
                <Descriptions.Item label={t('analytics.forecast.demandAtCost', { days: data.reorder.lead_days })}>{data.reorder.demand_at_cost}</Descriptions.Item>
                <Descriptions.Item label={t('analytics.forecast.safetyStock')}>{data.reorder.safety_stock}</Descriptions.Item>
                <Descriptions.Item label={t('analytics.forecast.stockOnHand')}>{data.reorder.stock_on_hand}</Descriptions.Item>
                <Descriptions.Item label={t('analytics.forecast.costRatio')}>{formatRatio(data.reorder.cost_ratio)}</Descriptions.Item>
                {(data.reorder.merchants_without_inventory?.length ?? 0) > 0 && (
                  <Descriptions.Item label={t('analytics.forecast.uncounted')}>{data.reorder.merchants_without_inventory?.join(', ')}</Descriptions.Item>
                )}
              </Descriptions>
            )}
          </Card>
          <Card
            title={t('analytics.forecast.tableTitle')}
            extra={
              <Flex gap={8} align="center">
                <Input
                  value={path}
                  onChange={(e) => setPath(e.target.value)}
                  placeholder={t('analytics.pathPlaceholder')}
                  style={{ width: 280 }}
                  data-testid="forecast-export-path"
                />
                <Space>
                  <Button icon={<DownloadOutlined />} loading={exporting.pending} onClick={() => void onExport('xlsx')} data-testid="forecast-export-xlsx">
                    {t('analytics.exportXlsx')}
                  </Button>
                  <Button icon={<DownloadOutlined />} loading={exporting.pending} onClick={() => void onExport('csv')} data-testid="forecast-export-csv">
                    {t('analytics.exportCsv')}
                  </Button>
                </Space>
              </Flex>
            }
          >
            <RefusalAlert error={exporting.error} testId="forecast-export-error" onClose={exporting.clearError} />
            {written !== null && (
              <Typography.Paragraph type="success" data-testid="forecast-exported">
                {written}
              </Typography.Paragraph>
            )}
            <Table
              size="small"
              pagination={false}
              dataSource={rows}
              data-testid="forecast-table"
              rowClassName={(r) => (r.series === 'forecast' ? 'forecast-row' : '')}
              columns={[
                { title: t('analytics.forecast.series'), dataIndex: 'series', render: (s: string) => t(`analytics.forecast.seriesNames.${s}`) },
                { title: t('analytics.forecast.weekStart'), dataIndex: 'week_start' },
                { title: t('analytics.forecast.sales'), dataIndex: 'sales', align: 'right' },
              ]}
            />
          </Card>
        </Spin>
      )}
    </>
  );
}
