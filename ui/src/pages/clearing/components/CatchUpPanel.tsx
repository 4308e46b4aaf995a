// Catch-up settlement: every unsettled business day of a range, in order, each its own batch
// (settle_range). Progress comes per day over the shell's channel; Cancel stops between days, and
// the days already settled stay settled (they are real payouts queued for the bank), which the
// screen says in so many words.
import { useRef, useState, type HTMLAttributes } from 'react';
import { Alert, Button, Flex, Form, Input, Progress, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JobProgress } from '../../../bindings';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useSubmit } from '../../../hooks/useCommand';
import { jobCancel } from '../../../services/cards';
import {
  lastDay,
  progressPercent,
  rangeOutcome,
  settleRange,
  type SettleRangeReport,
  type SettleSummary,
} from '../../../services/clearing';
import { newJobId } from '../../../services/reference';

const MONEY = ['gross', 'refunds', 'fees', 'net', 'payout'] as const;

interface Props {
  /** The default last day (yesterday, the page's date picker default). */
  defaultTo: string;
  /** A run finished (or stopped): reload the lines and show the last day handled. */
  onFinished: (lastDay: string | null) => void;
  /** Shows one day's lines. */
  onShowDay: (date: string) => void;
  onClose: () => void;
}

export default function CatchUpPanel({ defaultTo, onFinished, onShowDay, onClose }: Props) {
  const { t } = useTranslation();
  const [from, setFrom] = useState('');
  const [to, setTo] = useState(defaultTo);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  const [report, setReport] = useState<SettleRangeReport | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const job = useRef('');
  const submit = useSubmit(settleRange);
  const running = submit.pending;

  const start = async () => {
    const id = newJobId();
    job.current = id;
    setProgress(null);
    setReport(null);
    setCancelling(false);
    const r = await submit.run(from, to, id, setProgress);
    setCancelling(false);
    if (r === undefined) {
      // Refused before the first day, or a day refused midway: the days before it are settled.
      onFinished(null);
      return;
    }
    setReport(r);
    onFinished(lastDay(r));
  };

  const cancel = async () => {
    setCancelling(true);
    await jobCancel(job.current).catch(() => false);
  };

  const outcome = report === null ? null : rangeOutcome(report);
  const percent = report !== null && !report.cancelled ? 100 : progressPercent(progress);
  return (
    <div data-testid="clearing-run-panel" style={{ marginBottom: 16, padding: 16, border: '1px solid rgba(5,5,5,0.06)', borderRadius: 8 }}>
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t('clearing.catchUp.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('clearing.catchUp.hint')}</Typography.Paragraph>
      <Form layout="inline" disabled={running} style={{ marginBottom: 16 }}>
        <Form.Item label={t('clearing.catchUp.from')}>
          <Input type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="clearing-run-from" />
        </Form.Item>
        <Form.Item label={t('clearing.catchUp.to')}>
          <Input type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="clearing-run-to" />
        </Form.Item>
        <Form.Item>
          <Space>
            <Button type="primary" loading={running} onClick={() => void start()} data-testid="clearing-run-start">
              {t('clearing.catchUp.start')}
            </Button>
            <Button onClick={onClose} data-testid="clearing-run-close">
              {t('clearing.catchUp.close')}
            </Button>
          </Space>
        </Form.Item>
      </Form>
      <Typography.Text type="secondary">{from === '' ? t('clearing.catchUp.fromDefault') : null}</Typography.Text>
      {(running || report !== null) && (
        <Flex vertical gap={8} style={{ margin: '8px 0 16px' }} data-testid="clearing-run-progress" data-percent={percent}>
          <Progress percent={percent} status={running ? 'active' : report?.cancelled === true ? 'normal' : 'success'} />
          <Flex justify="space-between" align="center">
            <Typography.Text type="secondary" data-testid="clearing-run-stage">
              {progress === null
                ? t('clearing.catchUp.starting')
                : t('clearing.catchUp.progress', {
                    done: progress.done,
                    total: progress.total,
                    stage: t(`clearing.catchUp.stages.${progress.stage}`, { defaultValue: progress.stage }),
                  })}
            </Typography.Text>
            {running && (
              <Button danger onClick={() => void cancel()} loading={cancelling} data-testid="clearing-run-cancel">
                {t('clearing.catchUp.cancel')}
              </Button>
            )}
          </Flex>
        </Flex>
      )}
      <RefusalAlert error={submit.error} testId="clearing-run-error" />
      {report !== null && outcome !== null && (
        <Alert
          type={outcome === 'cancelled' ? 'warning' : outcome === 'nothing' ? 'info' : 'success'}
          showIcon
          style={{ marginBottom: 16 }}
          message={
            <span data-testid="clearing-run-outcome" data-outcome={outcome}>
              {outcome === 'cancelled'
                ? t('clearing.catchUp.cancelled', { settled: report.settled, next: report.next_day ?? '' })
                : outcome === 'nothing'
                  ? t('clearing.catchUp.nothing', { to: report.to })
                  : t('clearing.catchUp.done', { settled: report.settled, replayed: report.replayed })}
            </span>
          }
        />
      )}
      {report !== null && report.days.length > 0 && (
        <Table<SettleSummary>
          rowKey="date"
          size="small"
          pagination={report.days.length > 10 ? { pageSize: 10 } : false}
          dataSource={report.days}
          scroll={{ x: true }}
          data-testid="clearing-run-days"
          onRow={(s) => ({ 'data-testid': `clearing-run-day-${s.date}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            { title: t('clearing.catchUp.day'), dataIndex: 'date' },
            { title: t('clearing.catchUp.batch'), dataIndex: 'batch_id', align: 'right' },
            { title: t('clearing.catchUp.merchants'), dataIndex: 'merchants', align: 'right' },
            ...MONEY.map((k) => ({
              title: t(`clearing.settle.${k}`),
              dataIndex: k,
              align: 'right' as const,
              render: (a: string) => <Money amount={a} />,
            })),
            {
              title: t('clearing.catchUp.result'),
              dataIndex: 'replayed',
              render: (replayed: boolean) =>
                replayed ? <Tag>{t('clearing.catchUp.replayed')}</Tag> : <Tag color="green">{t('clearing.catchUp.new')}</Tag>,
            },
            {
              key: 'show',
              title: '',
              render: (_v, s) => (
                <Button size="small" onClick={() => onShowDay(s.date)} data-testid={`clearing-run-show-${s.date}`}>
                  {t('clearing.catchUp.show')}
                </Button>
              ),
            },
          ]}
        />
      )}
    </div>
  );
}
