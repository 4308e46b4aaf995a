// The batch just issued: how many, the total, the numbers, and the export of the numbers to a
// spreadsheet in the Downloads folder (the path is shown so the operator can find it).
import { useState } from 'react';
import { DownloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Descriptions, Space, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { BatchIssued, ExportFormat, Exported } from '../../../bindings';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import { batchExport } from '../../../services/cards';

export default function BatchResult({ batch }: { batch: BatchIssued }) {
  const { t } = useTranslation();
  const exporter = useSubmit(batchExport);
  const [exported, setExported] = useState<Exported | null>(null);

  const run = async (format: ExportFormat) => {
    const written = await exporter.run(batch.reference, format);
    if (written !== undefined) setExported(written);
  };

  return (
    <Card title={t('batch.issued')} data-testid="batch-result">
      <Descriptions column={2} size="small" bordered style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('batch.count')}>
          <span data-testid="batch-result-count">{batch.count}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('batch.faceValue')}>
          <Money amount={batch.face_value} />
        </Descriptions.Item>
        <Descriptions.Item label={t('batch.total')}>
          <Money amount={batch.total} strong />
        </Descriptions.Item>
        <Descriptions.Item label={t('batch.reference')}>
          <Typography.Text copyable>{batch.reference}</Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      {batch.replayed && <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('common.replayed')} />}
      <Space style={{ marginBottom: 16 }}>
        <Button icon={<DownloadOutlined />} onClick={() => void run('xlsx')} loading={exporter.pending} data-testid="batch-export-xlsx">
          {t('batch.exportXlsx')}
        </Button>
        <Button icon={<DownloadOutlined />} onClick={() => void run('csv')} loading={exporter.pending} data-testid="batch-export-csv">
          {t('batch.exportCsv')}
        </Button>
      </Space>
      <RefusalAlert error={exporter.error} testId="batch-export-error" />
      {exported !== null && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('batch.exported', { rows: exported.rows })}
          description={<Typography.Text copyable data-testid="batch-export-path">{exported.path}</Typography.Text>}
        />
      )}
      <Table
        size="small"
        rowKey={(row) => row.card}
        dataSource={batch.cards.map((card, i) => ({ card, n: i + 1 }))}
        pagination={{ pageSize: 10, showSizeChanger: false }}
        columns={[
          { title: '#', dataIndex: 'n', width: 72, align: 'right' },
          { title: t('cards.number'), dataIndex: 'card', render: (v: string) => <span className="money">{v}</span> },
        ]}
      />
    </Card>
  );
}
