// The QR code of a virtual card. The code is single-use and lives 60 seconds, so the panel counts
// down and offers a fresh one; an expired code is hidden rather than left scannable-looking.
// The SVG comes from the shell and is shown as an image (an <img> never runs scripts).
import { useEffect, useState } from 'react';
import { ReloadOutlined } from '@ant-design/icons';
import { Button, Flex, Progress, Skeleton, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import RefusalAlert from './RefusalAlert';
import { useCommand } from '../hooks/useCommand';
import { cardQr } from '../services/cards';

function svgDataUri(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export default function QrPanel({ card }: { card: string }) {
  const { t } = useTranslation();
  const qr = useCommand(() => cardQr(card), [card]);
  const [left, setLeft] = useState(0);

  useEffect(() => {
    if (qr.data === undefined) return;
    // Counted from receipt with the code's lifetime, not from `expires_at`: the workstation clock
    // may differ from the shell's.
    const deadline = Date.now() + qr.data.ttl_seconds * 1000;
    const tick = () => setLeft(Math.max(0, Math.ceil((deadline - Date.now()) / 1000)));
    tick();
    const timer = setInterval(tick, 500);
    return () => clearInterval(timer);
  }, [qr.data]);

  const ttl = qr.data?.ttl_seconds ?? 60;
  const expired = qr.data !== undefined && left === 0;
  return (
    <Flex vertical align="center" gap={8} data-testid="issue-qr">
      <RefusalAlert error={qr.error} testId="qr-error" />
      {qr.loading ? (
        <Skeleton.Image active style={{ width: 220, height: 220 }} />
      ) : (
        qr.data !== undefined &&
        (expired ? (
          <Flex align="center" justify="center" style={{ width: 220, height: 220 }}>
            <Typography.Text type="secondary">{t('issue.qrExpired')}</Typography.Text>
          </Flex>
        ) : (
          <img className="qr-code" src={svgDataUri(qr.data.svg)} alt={t('issue.qrAlt')} data-testid="issue-qr-image" />
        ))
      )}
      {qr.data !== undefined && (
        <>
          <Progress percent={Math.round((left / ttl) * 100)} showInfo={false} size="small" style={{ width: 220 }} />
          <Typography.Text type={expired ? 'danger' : 'secondary'} data-testid="issue-qr-countdown">
            {expired ? t('issue.qrExpired') : t('issue.qrCountdown', { n: left })}
          </Typography.Text>
        </>
      )}
      <Button icon={<ReloadOutlined />} onClick={qr.reload} loading={qr.loading} data-testid="issue-qr-refresh">
        {t('issue.qrRefresh')}
      </Button>
    </Flex>
  );
}
