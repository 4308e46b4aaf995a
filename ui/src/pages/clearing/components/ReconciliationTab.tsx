// Reconciliation of a day: reserve funds (bank custody vs what is owed: coverage, alert below
// 100%, differences) and the payment channels' statements (unmatched lines, resolved with a note).
import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Input, Modal, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../../hooks/useCommand';
import {
  channelReconcile,
  channelResolve,
  coverageShort,
  formatCoverage,
  reserveReconcile,
  sortExceptions,
  type ChannelException,
  type ReserveDifference,
} from '../../../services/clearing';

export default function ReconciliationTab({ date, canWrite }: { date: string; canWrite: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const reserve = useCommand(() => reserveReconcile(date), [date]);
  const [version, setVersion] = useState(0);
  // channel_reconcile writes (it records exceptions), so it runs on request, not on every render.
  const [runChannel, setRunChannel] = useState(false);
  const channel = useCommand(() => (runChannel ? channelReconcile(date) : Promise.resolve(null)), [date, runChannel, version]);
  const resolving = useSubmit(channelResolve);
  const [resolveFor, setResolveFor] = useState<ChannelException | null>(null);
  const [note, setNote] = useState('');

  const resolve = async () => {
    if (resolveFor === null) return;
    const r = await resolving.run(resolveFor.id, note.trim());
    if (r === undefined) return;
    void message.success(t('clearing.recon.resolved'));
    setResolveFor(null);
    setNote('');
    setVersion((n) => n + 1);
  };

  const r = reserve.data;
  const short = r !== undefined && (r.alert || coverageShort(r.coverage));
  return (
    <div data-testid="clearing-recon">
      <Card title={t('clearing.recon.reserve')} size="small" style={{ marginBottom: 16 }} loading={reserve.loading}>
        <RefusalAlert error={reserve.error} testId="clearing-reserve-error" />
        {r !== undefined && (
          <>
            {short && (
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 16 }}
                message={t('clearing.recon.alert', { coverage: formatCoverage(r.coverage) })}
                data-testid="clearing-coverage-alert"
              />
            )}
            <Space size={48} style={{ marginBottom: 16 }}>
              <Statistic
                title={t('clearing.recon.coverage')}
                value={formatCoverage(r.coverage)}
                valueStyle={{ color: short ? '#cf1322' : '#3f8600' }}
              />
            </Space>
            <Descriptions size="small" bordered column={2}>
              <Descriptions.Item label={t('clearing.recon.custodyBank')}><Money amount={r.custody_bank} /></Descriptions.Item>
              <Descriptions.Item label={t('clearing.recon.custodyLedger')}><Money amount={r.custody_ledger} /></Descriptions.Item>
              <Descriptions.Item label={t('clearing.recon.inTransit')}><Money amount={r.in_transit} /></Descriptions.Item>
              <Descriptions.Item label={t('clearing.recon.cardBalances')}><Money amount={r.card_balances} /></Descriptions.Item>
              <Descriptions.Item label={t('clearing.recon.payables')}><Money amount={r.unsettled_payables} /></Descriptions.Item>
            </Descriptions>
            {r.differences.length > 0 && (
              <Table<ReserveDifference>
                style={{ marginTop: 16 }}
                size="small"
                rowKey="item"
                pagination={false}
                dataSource={r.differences}
                columns={[
                  { title: t('clearing.recon.item'), dataIndex: 'item', render: (i: string) => t(`clearing.recon.items.${i}`, { defaultValue: i }) },
                  { title: t('clearing.recon.bank'), dataIndex: 'bank', align: 'right', render: (a: string | null) => <Money amount={a} /> },
                  { title: t('clearing.recon.ledger'), dataIndex: 'ledger', align: 'right', render: (a: string) => <Money amount={a} /> },
                  { title: t('clearing.recon.difference'), dataIndex: 'difference', align: 'right', render: (a: string) => <Money amount={a} strong /> },
                ]}
              />
            )}
          </>
        )}
      </Card>
      <Card
        title={t('clearing.recon.channels')}
        size="small"
        extra={
          canWrite && (
            <Button loading={channel.loading && runChannel} onClick={() => (runChannel ? setVersion((n) => n + 1) : setRunChannel(true))} data-testid="clearing-channel-run">
              {t('clearing.recon.runChannels')}
            </Button>
          )
        }
      >
        <RefusalAlert error={channel.error ?? resolving.error} testId="clearing-channel-error" />
        {channel.data !== null && channel.data !== undefined && (
          <>
            <Typography.Paragraph>
              {t('clearing.recon.matched', { matched: channel.data.matched, open: channel.data.unmatched.filter((e) => !e.resolved).length, drift: channel.data.drift_seconds })}
            </Typography.Paragraph>
            <Table<ChannelException>
              size="small"
              rowKey="id"
              pagination={false}
              dataSource={sortExceptions(channel.data.unmatched)}
              data-testid="clearing-exceptions"
              columns={[
                { title: 'ID', dataIndex: 'id' },
                { title: t('clearing.recon.side'), dataIndex: 'side', render: (s: string) => t(`clearing.recon.sides.${s}`, { defaultValue: s }) },
                { title: t('clearing.recon.channel'), dataIndex: 'channel', render: (c: string) => t(`channel.${c}`, { defaultValue: c }) },
                { title: t('clearing.recon.reference'), dataIndex: 'reference' },
                { title: t('clearing.recon.amount'), dataIndex: 'amount', align: 'right', render: (a: string) => <Money amount={a} /> },
                { title: t('clearing.recon.reason'), dataIndex: 'reason' },
                {
                  title: t('clearing.recon.state'),
                  key: 'state',
                  render: (_v, e) =>
                    e.resolved ? <Tag color="green" title={e.note ?? ''}>{t('clearing.recon.resolvedTag')}: {e.note}</Tag> : <Tag color="red">{t('clearing.recon.open')}</Tag>,
                },
                {
                  key: 'actions',
                  title: '',
                  render: (_v, e) =>
                    canWrite && !e.resolved ? (
                      <Button size="small" onClick={() => setResolveFor(e)}>
                        {t('clearing.recon.resolve')}
                      </Button>
                    ) : null,
                },
              ]}
            />
          </>
        )}
      </Card>
      <Modal
        open={resolveFor !== null}
        title={t('clearing.recon.resolveTitle', { id: resolveFor?.id ?? '' })}
        okButtonProps={{ disabled: note.trim() === '' }}
        confirmLoading={resolving.pending}
        onOk={() => void resolve()}
        onCancel={() => setResolveFor(null)}
        destroyOnHidden
      >
        <Input.TextArea rows={3} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('clearing.recon.note')} data-testid="clearing-resolve-note" />
      </Modal>
    </div>
  );
}
