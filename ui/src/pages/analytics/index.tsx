// The dashboards (issue 5): compare the three operating modes, card types, merchants before and
// after adopting the card, and regions / city tiers. The core computes every figure, draws the
// chart (the same SVG as `onecard chart`) and writes the exports; operators never get here (the
// menu hides it and the core refuses them).
import { useState } from 'react';
import { Button, Card, Flex, Form, Input, Select, Space, Spin, Tabs, Typography } from 'antd';
import { DownloadOutlined, ReloadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import PageTitle from '../../components/PageTitle';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../hooks/useCommand';
import { toLanguage } from '../../i18n';
import {
  DASHBOARDS,
  dashboard,
  dashboardCatalog,
  mallsOfRegion,
  dashboardChart,
  dashboardExport,
  withExtension,
  type CardTypesDashboard,
  type CompareDashboard,
  type DashboardCatalog,
  type DashboardFilter,
  type DashboardKind,
  type ExportFileFormat,
  type MerchantsDashboard,
  type RegionsDashboard,
} from '../../services/analytics';
import ForecastPanel, { mallOption } from './forecast';
import { CardTypesTable, CompareTable, MerchantsTable, RegionsTable } from './tables';

/** The tabs: the four dashboards, then the forecast (which has its own form). */
type TabKey = DashboardKind | 'forecast';

function Figures({ kind, data, language }: { kind: DashboardKind; data: unknown; language: string }) {
  switch (kind) {
    case 'compare':
      return <CompareTable data={data as CompareDashboard} />;
    case 'card-types':
      return <CardTypesTable data={data as CardTypesDashboard} />;
    case 'merchants':
      return <MerchantsTable data={data as MerchantsDashboard} />;
    case 'regions':
      return <RegionsTable data={data as RegionsDashboard} language={language} />;
  }
}

export default function AnalyticsPage() {
  const { t } = useTranslation();
  const [tab, setTab] = useState<TabKey>('compare');
  // The regions, malls, merchants and categories in the user's view, for the selects.
  const catalog = useCommand(dashboardCatalog, []);
  return (
    <>
      <PageTitle>{t('analytics.title')}</PageTitle>
      <Tabs
        activeKey={tab}
        onChange={(k) => setTab(k as TabKey)}
        items={[...DASHBOARDS, 'forecast' as const].map((k) => ({
          key: k,
          label: <span data-testid={`dashboard-tab-${k}`}>{t(`analytics.tabs.${k}`)}</span>,
        }))}
      />
      <RefusalAlert error={catalog.error} testId="dashboard-catalog-error" />
      {tab === 'forecast' ? <ForecastPanel catalog={catalog.data} /> : <Dashboards kind={tab} catalog={catalog.data} />}
    </>
  );
}

function Dashboards({ kind, catalog }: { kind: DashboardKind; catalog: DashboardCatalog | undefined }) {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  const [form] = Form.useForm<DashboardFilter>();
  const region = Form.useWatch('region', form);
  // The filter applied (the form's values only count once "Apply" is pressed).
  const [filter, setFilter] = useState<DashboardFilter>({});
  const [path, setPath] = useState('');
  const key = JSON.stringify([kind, filter]);
  // Tagged with its kind: while the next tab loads, the previous tab's figures must not be drawn
  // with the next tab's table.
  const figures = useCommand(() => dashboard(kind, filter).then((data) => ({ kind, data })), [key]);
  const chart = useCommand(() => dashboardChart(kind, filter), [key]);
  const exporting = useSubmit((format: ExportFileFormat) => dashboardExport(kind, format, withExtension(path, format), filter));
  const [written, setWritten] = useState<string | null>(null);

  const onExport = async (format: ExportFileFormat) => {
    setWritten(null);
    const out = await exporting.run(format);
    if (out !== undefined) setWritten(t('analytics.exported', { path: out.path, rows: out.rows }));
  };

  return (
    <>
      {figures.data && (
        <Typography.Paragraph type="secondary" data-testid="dashboard-period">
          {t('analytics.period', { from: figures.data.data.from, to: figures.data.data.to })}
        </Typography.Paragraph>
      )}
      <Card style={{ marginBottom: 16 }}>
        <Form form={form} layout="inline" onFinish={(v) => setFilter({ ...v })} data-testid="dashboard-filter">
          <Form.Item name="from" label={t('analytics.from')}>
            <Input type="date" data-testid="dashboard-from" />
          </Form.Item>
          <Form.Item name="to" label={t('analytics.to')}>
            <Input type="date" data-testid="dashboard-to" />
          </Form.Item>
          <Form.Item name="region" label={t('analytics.region')}>
            <Select
              allowClear
              placeholder={t('analytics.allRegions')}
              data-testid="dashboard-region"
              style={{ width: 160 }}
              showSearch
              optionFilterProp="search"
              options={(catalog?.regions ?? []).map((r) => {
                const text = t(`analytics.regionNames.${r}`, { defaultValue: r });
                return { value: r, search: `${r} ${text}`, label: <span data-value={r}>{text}</span> };
              })}
              // A mall of another region would make the filter empty: clear it with the region.
              onChange={() => form.setFieldValue('mall', undefined)}
            />
          </Form.Item>
          <Form.Item name="mall" label={t('analytics.mall')}>
            <Select
              allowClear
              showSearch
              optionFilterProp="search"
              placeholder={t('analytics.allMalls')}
              data-testid="dashboard-mall"
              style={{ width: 200 }}
              options={mallsOfRegion(catalog, region).map(mallOption)}
            />
          </Form.Item>
          <Form.Item>
            <Space>
              <Button type="primary" htmlType="submit" data-testid="dashboard-apply">
                {t('analytics.apply')}
              </Button>
              <Button
                icon={<ReloadOutlined />}
                onClick={() => {
                  form.resetFields();
                  setFilter({});
                }}
              >
                {t('analytics.reset')}
              </Button>
            </Space>
          </Form.Item>
        </Form>
      </Card>
      <RefusalAlert error={figures.error ?? chart.error} testId="dashboard-error" />
      <Card style={{ marginBottom: 16 }}>
        <Spin spinning={chart.loading}>
          {/* The core's own SVG (plotters), the same picture as the export; it is generated from
              figures, not user text, so it is shown as is. */}
          <div
            data-testid="dashboard-chart"
            className="dashboard-chart"
            style={{ width: '100%', overflowX: 'auto' }}
            dangerouslySetInnerHTML={{ __html: chart.data ?? '' }}
          />
        </Spin>
      </Card>
      <Card
        title={t('analytics.figuresTitle')}
        loading={figures.loading}
        extra={
          <Flex gap={8} align="center">
            <Input
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder={t('analytics.pathPlaceholder')}
              style={{ width: 280 }}
              data-testid="dashboard-export-path"
            />
            <Button icon={<DownloadOutlined />} loading={exporting.pending} onClick={() => void onExport('xlsx')} data-testid="dashboard-export-xlsx">
              {t('analytics.exportXlsx')}
            </Button>
            <Button icon={<DownloadOutlined />} loading={exporting.pending} onClick={() => void onExport('csv')} data-testid="dashboard-export-csv">
              {t('analytics.exportCsv')}
            </Button>
          </Flex>
        }
      >
        <RefusalAlert error={exporting.error} testId="dashboard-export-error" onClose={exporting.clearError} />
        {written !== null && (
          <Typography.Paragraph type="success" data-testid="dashboard-exported">
            {written}
          </Typography.Paragraph>
        )}
        {figures.data?.kind === kind && figures.error === null && <Figures kind={kind} data={figures.data.data} language={language} />}
      </Card>
    </>
  );
}
