// Progress of a running batch, fed by the shell's channel, with the way out: Cancel (nothing is
// written when the cancel arrives first).
import { Button, Flex, Progress, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JobProgress as ProgressInfo } from '../../../bindings';

interface Props {
  progress: ProgressInfo | null;
  cancelling: boolean;
  onCancel: () => void;
}

export default function BatchProgress({ progress, cancelling, onCancel }: Props) {
  const { t } = useTranslation();
  const percent = progress === null || progress.total === 0 ? 0 : Math.floor((progress.done / progress.total) * 100);
  return (
    <Flex vertical gap={8} style={{ marginBottom: 16 }} data-testid="batch-progress">
      <Progress percent={percent} status="active" />
      <Flex justify="space-between" align="center">
        <Typography.Text type="secondary">
          {progress === null
            ? t('batch.starting')
            : t('batch.stage', { stage: t(`batch.stages.${progress.stage}`, { defaultValue: progress.stage }), done: progress.done, total: progress.total })}
        </Typography.Text>
        {/* Explicitly enabled: the form around it is disabled while the batch runs. */}
        <Button danger disabled={false} onClick={onCancel} loading={cancelling} data-testid="batch-cancel">
          {t('batch.cancel')}
        </Button>
      </Flex>
    </Flex>
  );
}
