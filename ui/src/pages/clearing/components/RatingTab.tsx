// The monthly merchant rating: grades, the watch list (bottom 5%, 末位淘汰 review) and the support
// plan (top 10%). Running a month again replaces its rows with the same result.
import { App, Button, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ratingColumns } from '../../../components/RatingColumns';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../../hooks/useCommand';
import { merchantLabel, ratingRun, ratingShow, type RatingRow } from '../../../services/clearing';

export default function RatingTab({ month, canWrite, names }: { month: string; canWrite: boolean; names: ReadonlyMap<number, string> }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [version, setVersion] = useState(0);
  const shown = useCommand(() => ratingShow(month), [month, version]);
  const running = useSubmit(ratingRun);

  const run = async () => {
    const r = await running.run(month);
    if (r === undefined) return;
    void message.success(t('clearing.rating.done', { count: r.merchants.length }));
    setVersion((n) => n + 1);
  };

  const rows = shown.data?.merchants ?? [];
  const watch = rows.filter((r) => r.watch).length;
  const support = rows.filter((r) => r.support).length;
  return (
    <div data-testid="clearing-rating">
      <Space style={{ marginBottom: 16 }}>
        {canWrite && (
          <Button type="primary" loading={running.pending} onClick={() => void run()} data-testid="clearing-rating-run">
            {t('clearing.rating.run')}
          </Button>
        )}
        <Typography.Text type="secondary">{t('clearing.rating.summary', { count: rows.length, watch, support })}</Typography.Text>
      </Space>
      <RefusalAlert error={running.error ?? shown.error} testId="clearing-rating-error" />
      <Table<RatingRow>
        size="small"
        rowKey="merchant"
        loading={shown.loading}
        dataSource={rows}
        pagination={{ pageSize: 50, showSizeChanger: false }}
        data-testid="clearing-rating-table"
        columns={[
          { title: t('clearing.settle.merchant'), dataIndex: 'merchant', render: (m: number) => merchantLabel(m, names) },
          ...ratingColumns<RatingRow>(t),
        ]}
      />
    </div>
  );
}
