// The columns a merchant's rating shows wherever it is listed (the rating board, a merchant's
// rating history): score, grade, and the watch list / support plan it is on.
import { Space, Tag } from 'antd';
import type { TFunction } from 'i18next';
import { gradeColor } from '../services/clearing';

interface Rated {
  score: number;
  grade: string;
  watch: boolean;
  support: boolean;
}

export function ratingColumns<T extends Rated>(t: TFunction) {
  return [
    { title: t('clearing.rating.score'), dataIndex: 'score', align: 'right' as const },
    { title: t('clearing.merchants.grade'), dataIndex: 'grade', render: (g: string) => <Tag color={gradeColor(g)}>{g}</Tag> },
    {
      title: t('clearing.rating.lists'),
      key: 'lists',
      render: (_v: unknown, r: T) => (
        <Space size={4}>
          {r.watch && <Tag color="red">{t('clearing.rating.watch')}</Tag>}
          {r.support && <Tag color="green">{t('clearing.rating.support')}</Tag>}
        </Space>
      ),
    },
  ];
}
