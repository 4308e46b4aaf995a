// Imports (`onecard import KIND FILE`) with a progress bar: the core reads the file, checks every
// row, writes them in a transaction of its own and reports each stage with row counts; Cancel
// before the commit leaves nothing written. A refused file lists every bad row (line, column,
// reason). Below: the files imported so far (the `imports` table). Administrators and operators
// only, as the core's analytics::require_write.
import { useRef, useState } from 'react';
import { Alert, Button, Card, Flex, Form, Input, Progress, Select, Table, Typography } from 'antd';
import { ReloadOutlined, UploadOutlined } from '@ant-design/icons';
import { useTranslation } from 'react-i18next';
import type { JobProgress } from '../../bindings';
import PageTitle from '../../components/PageTitle';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../hooks/useCommand';
import {
  IMPORT_KINDS,
  importableFile,
  importList,
  importPercent,
  importRun,
  type BadRow,
  type ImportKind,
  type ImportOutcome,
} from '../../services/analytics';
import { jobCancel } from '../../services/cards';
import { newJobId } from '../../services/reference';

/**
 * Refusals of an import that the shared `errors` block does not translate: said here in the
 * user's language, with the core's message (which names the file) underneath.
 */
const IMPORT_ERRORS: readonly string[] = ['invalid_file', 'invalid_kind'];

interface Values {
  kind: ImportKind;
  path: string;
}

export default function ImportsPage() {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const list = useCommand(() => importList(100), []);
  const submit = useSubmit(importRun);
  const job = useRef<string | null>(null);
  const [progress, setProgress] = useState<JobProgress | null>(null);
  // The bar only moves forward: the writer's own last bookkeeping rows report a small "writing"
  // total after the file's rows.
  const [percent, setPercent] = useState(0);
  const [cancelling, setCancelling] = useState(false);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const cancelled = submit.error?.code === 'cancelled';

  const onProgress = (p: JobProgress) => {
    setProgress(p);
    setPercent((before) => Math.max(before, importPercent(p)));
  };

  const onFinish = async (v: Values) => {
    const id = newJobId();
    job.current = id;
    setProgress(null);
    setPercent(0);
    setOutcome(null);
    const out = await submit.run(v.kind, v.path, id, onProgress);
    job.current = null;
    setCancelling(false);
    if (out === undefined) return;
    setOutcome(out);
    if ('imported' in out) list.reload();
  };

  const cancel = async () => {
    if (job.current === null) return;
    setCancelling(true);
    await jobCancel(job.current).catch(() => false);
  };

  const badRows: BadRow[] = outcome !== null && 'error' in outcome ? outcome.error.rows : [];

  return (
    <>
      <PageTitle>{t('analytics.imports.title')}</PageTitle>
      <Card style={{ marginBottom: 16 }}>
        <Typography.Paragraph type="secondary">{t('analytics.imports.help')}</Typography.Paragraph>
        <Form<Values>
          form={form}
          layout="inline"
          initialValues={{ kind: 'sales', path: '' }}
          onFinish={(v) => void onFinish(v)}
          disabled={submit.pending}
          data-testid="import-form"
        >
          <Form.Item name="kind" label={t('analytics.imports.kind')}>
            <Select
              style={{ width: 160 }}
              data-testid="import-kind"
              options={IMPORT_KINDS.map((k) => ({ value: k, label: <span data-testid={`import-kind-${k}`}>{t(`analytics.imports.kinds.${k}`)}</span> }))}
            />
          </Form.Item>
          <Form.Item
            name="path"
            label={t('analytics.imports.path')}
            rules={[
              { required: true, whitespace: true, message: t('analytics.imports.pathRequired') },
              { validator: (_, v: string | undefined) => (v === undefined || v.trim() === '' || importableFile(v) ? Promise.resolve() : Promise.reject(new Error(t('analytics.imports.pathType')))) },
            ]}
          >
            <Input placeholder={t('analytics.imports.pathPlaceholder')} style={{ width: 420 }} data-testid="import-path" />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" icon={<UploadOutlined />} loading={submit.pending} data-testid="import-run">
              {t('analytics.imports.run')}
            </Button>
          </Form.Item>
        </Form>
        {submit.pending && (
          <Flex vertical gap={8} style={{ marginTop: 16 }} data-testid="import-progress">
            <Progress percent={percent} status="active" />
            <Flex justify="space-between" align="center">
              <Typography.Text type="secondary" data-testid="import-stage">
                {progress === null
                  ? t('analytics.imports.starting')
                  : t('analytics.imports.stage', {
                      stage: t(`analytics.imports.stages.${progress.stage}`, { defaultValue: progress.stage }),
                      done: progress.done,
                      total: progress.total,
                    })}
              </Typography.Text>
              <Button danger onClick={() => void cancel()} loading={cancelling} data-testid="import-cancel">
                {t('analytics.imports.cancel')}
              </Button>
            </Flex>
          </Flex>
        )}
      </Card>
      {cancelled ? (
        <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('analytics.imports.cancelled')} data-testid="import-cancelled" />
      ) : submit.error !== null && IMPORT_ERRORS.includes(submit.error.code) ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          style={{ marginBottom: 16 }}
          message={<span data-testid="import-error">{t(`analytics.imports.errors.${submit.error.code}`)}</span>}
          description={submit.error.message}
          closable
          onClose={submit.clearError}
        />
      ) : (
        <RefusalAlert error={submit.error} testId="import-error" onClose={submit.clearError} />
      )}
      {outcome !== null && 'imported' in outcome && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="import-done"
          message={t('analytics.imports.done', {
            file: outcome.imported.file,
            rows: outcome.imported.rows,
            id: outcome.imported.import_id,
            kind: t(`analytics.imports.kinds.${outcome.imported.kind}`),
          })}
          description={outcome.imported.card_rows > 0 ? t('analytics.imports.cardRows', { n: outcome.imported.card_rows }) : undefined}
        />
      )}
      {outcome !== null && 'error' in outcome && (
        <Card title={t('analytics.imports.badRowsTitle', { n: badRows.length })} style={{ marginBottom: 16 }} data-testid="import-bad-rows">
          <Typography.Paragraph type="danger">{t('analytics.imports.nothingWritten')}</Typography.Paragraph>
          <Table
            size="small"
            rowKey={(r) => `${r.line}-${r.column}-${r.reason}`}
            dataSource={badRows}
            pagination={{ pageSize: 20, hideOnSinglePage: true }}
            columns={[
              { title: t('analytics.imports.line'), dataIndex: 'line', width: 90 },
              { title: t('analytics.imports.column'), dataIndex: 'column', width: 180 },
              { title: t('analytics.imports.reason'), dataIndex: 'reason' },
            ]}
          />
        </Card>
      )}
      <Card
        title={t('analytics.imports.listTitle')}
        extra={
          <Button icon={<ReloadOutlined />} onClick={list.reload} data-testid="import-list-reload">
            {t('analytics.imports.reload')}
          </Button>
        }
      >
        <RefusalAlert error={list.error} testId="import-list-error" />
        <Table
          size="small"
          rowKey="import_id"
          loading={list.loading}
          dataSource={list.data ?? []}
          data-testid="import-list"
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          columns={[
            { title: t('analytics.imports.id'), dataIndex: 'import_id', width: 90 },
            { title: t('analytics.imports.kind'), dataIndex: 'kind', render: (k: string) => t(`analytics.imports.kinds.${k}`, { defaultValue: k }) },
            { title: t('analytics.imports.file'), dataIndex: 'file' },
            { title: t('analytics.imports.rows'), dataIndex: 'rows', align: 'right' },
            { title: t('analytics.imports.actor'), dataIndex: 'actor' },
            { title: t('analytics.imports.at'), dataIndex: 'imported_at' },
          ]}
        />
      </Card>
    </>
  );
}
