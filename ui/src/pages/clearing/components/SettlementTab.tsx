// A business day's settlement: run it (T+1; a re-run answers the stored batch), catch up a range
// of days with progress (CatchUpPanel), the per-merchant lines with totals, statements to a file,
// and the bank's answer on each payout.
import { useState } from 'react';
import { App, Button, Empty, Form, Input, Modal, Select, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../../hooks/useCommand';
import {
  canMarkPayout,
  merchantLabel,
  payoutMark,
  payoutStatusColor,
  settle,
  settlementShow,
  statementExport,
  statementFileName,
  STATEMENT_FORMATS,
  type Settlement,
  type SettlementLine,
  type StatementFormat,
} from '../../../services/clearing';
import CatchUpPanel from './CatchUpPanel';
import { NOT_FOUND_CODES } from './codes';

const MONEY_COLUMNS = ['gross', 'refunds', 'fees', 'fee_issuer', 'fee_operator', 'net', 'carry_in', 'payout', 'carry_out'] as const;

interface Props {
  date: string;
  canWrite: boolean;
  names: ReadonlyMap<number, string>;
  /** Shows another day's lines (the page's date picker). */
  onShowDay?: (date: string) => void;
  /** The default end of a catch-up run (yesterday). */
  defaultTo?: string;
}

export default function SettlementTab({ date, canWrite, names, onShowDay, defaultTo }: Props) {
  const { t } = useTranslation();
  const [catchUp, setCatchUp] = useState(false);
  const { message, modal } = App.useApp();
  const [version, setVersion] = useState(0);
  const shown = useCommand<Settlement | null>(
    () => settlementShow(date).catch((e: { code?: string }) => {
      // No batch yet for the day: an empty state, not an error.
      if (e.code !== undefined && NOT_FOUND_CODES.includes(e.code)) return null;
      throw e;
    }),
    [date, version],
  );
  const running = useSubmit(settle);
  const marking = useSubmit(payoutMark);
  const exporting = useSubmit(statementExport);
  const [statementFor, setStatementFor] = useState<number | null>(null);
  const [format, setFormat] = useState<StatementFormat>('xlsx');
  const [path, setPath] = useState('');

  const run = async () => {
    const s = await running.run(date);
    if (s === undefined) return;
    void message.success(s.replayed ? t('clearing.settle.replayed', { batch: s.batch_id }) : t('clearing.settle.done', { batch: s.batch_id, merchants: s.merchants }));
    setVersion((n) => n + 1);
  };

  const mark = (batch: number, line: SettlementLine, paid: boolean) => {
    modal.confirm({
      title: paid ? t('clearing.settle.markPaid') : t('clearing.settle.markReturned'),
      content: t('clearing.settle.markConfirm', { merchant: line.merchant }),
      okButtonProps: { danger: !paid },
      onOk: async () => {
        const r = await marking.run(batch, line.merchant, paid);
        if (r !== undefined) setVersion((n) => n + 1);
      },
    });
  };

  const exportStatement = async () => {
    if (statementFor === null) return;
    const r = await exporting.run(statementFor, date, format, path.trim());
    if (r === undefined) return;
    void message.success(t('clearing.statement.written', { path: r.path ?? path }));
    setStatementFor(null);
  };

  const s = shown.data ?? null;
  return (
    <div data-testid="clearing-settlement">
      <Space style={{ marginBottom: 16 }}>
        {canWrite && (
          <Button type="primary" onClick={() => setCatchUp(true)} disabled={catchUp} data-testid="clearing-run">
            {t('clearing.settle.run')}
          </Button>
        )}
        {canWrite && (
          <Button loading={running.pending} onClick={() => void run()} data-testid="clearing-settle">
            {t('clearing.catchUp.settleDay')}
          </Button>
        )}
        {s !== null && <Typography.Text type="secondary">{t('clearing.settle.batch', { batch: s.batch_id })}</Typography.Text>}
      </Space>
      {canWrite && catchUp && (
        <CatchUpPanel
          defaultTo={defaultTo ?? date}
          onClose={() => setCatchUp(false)}
          onShowDay={(d) => (onShowDay === undefined || d === date ? setVersion((n) => n + 1) : onShowDay(d))}
          onFinished={(last) => {
            // The lines on screen may have just been settled: reload them, and show the last day
            // the run handled (default: yesterday, the page's own default day).
            setVersion((n) => n + 1);
            if (last !== null && last !== date) onShowDay?.(last);
          }}
        />
      )}
      <RefusalAlert error={running.error ?? shown.error ?? marking.error} testId="clearing-settle-error" />
      {s === null && !shown.loading ? (
        <Empty description={t('clearing.settle.none')} />
      ) : (
        <Table<SettlementLine>
          rowKey="merchant"
          size="small"
          loading={shown.loading}
          dataSource={s?.lines ?? []}
          pagination={false}
          scroll={{ x: true }}
          data-testid="clearing-lines"
          columns={[
            { title: t('clearing.settle.merchant'), dataIndex: 'merchant', render: (m: number) => merchantLabel(m, names) },
            ...MONEY_COLUMNS.map((k) => ({
              title: t(`clearing.settle.${k}`),
              dataIndex: k,
              align: 'right' as const,
              render: (a: string) => <Money amount={a} />,
            })),
            {
              title: t('clearing.settle.status'),
              dataIndex: 'status',
              render: (st: string) => <Tag color={payoutStatusColor(st)}>{t(`clearing.payout.${st}`, { defaultValue: st })}</Tag>,
            },
            {
              key: 'actions',
              title: '',
              render: (_v, line) => (
                <Space size="small">
                  <Button size="small" onClick={() => setStatementFor(line.merchant)}>
                    {t('clearing.statement.export')}
                  </Button>
                  {canWrite && s !== null && canMarkPayout(line) && (
                    <>
                      <Button size="small" onClick={() => mark(s.batch_id, line, true)}>
                        {t('clearing.settle.markPaid')}
                      </Button>
                      <Button size="small" danger onClick={() => mark(s.batch_id, line, false)}>
                        {t('clearing.settle.markReturned')}
                      </Button>
                    </>
                  )}
                </Space>
              ),
            },
          ]}
          summary={() =>
            s === null ? null : (
              <Table.Summary.Row>
                <Table.Summary.Cell index={0}>
                  <strong>{t('clearing.settle.totals')}</strong>
                </Table.Summary.Cell>
                {MONEY_COLUMNS.map((k, i) => (
                  <Table.Summary.Cell index={i + 1} key={k} align="right">
                    <Money amount={s.totals[k]} strong />
                  </Table.Summary.Cell>
                ))}
                <Table.Summary.Cell index={MONEY_COLUMNS.length + 1} colSpan={2} />
              </Table.Summary.Row>
            )
          }
        />
      )}
      <Modal
        open={statementFor !== null}
        title={t('clearing.statement.title', { merchant: statementFor ?? '', date })}
        okText={t('clearing.statement.export')}
        confirmLoading={exporting.pending}
        okButtonProps={{ disabled: path.trim() === '' }}
        onOk={() => void exportStatement()}
        onCancel={() => setStatementFor(null)}
        destroyOnHidden
      >
        <Form layout="vertical">
          <Form.Item label={t('clearing.statement.format')}>
            <Select
              value={format}
              onChange={(f: StatementFormat) => {
                setFormat(f);
                if (statementFor !== null) setPath((p) => p.replace(/\.(xlsx|csv|pdf)$/, `.${f}`));
              }}
              options={STATEMENT_FORMATS.map((f) => ({ value: f, label: f.toUpperCase() }))}
            />
          </Form.Item>
          <Form.Item label={t('clearing.statement.path')} extra={t('clearing.statement.pathHelp')}>
            <Input
              value={path}
              placeholder={statementFor === null ? '' : statementFileName(statementFor, date, format)}
              onChange={(e) => setPath(e.target.value)}
              data-testid="clearing-statement-path"
            />
          </Form.Item>
        </Form>
        <RefusalAlert error={exporting.error} testId="clearing-statement-error" />
      </Modal>
    </div>
  );
}
