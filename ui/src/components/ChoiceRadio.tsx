// A small closed vocabulary as a row of buttons (faster than a dropdown, arrow keys move between
// options). Labels come from `<prefix>.<value>` in the locales and carry data-value for tests.
import { Radio, type RadioGroupProps } from 'antd';
import { useTranslation } from 'react-i18next';

interface Props<V extends string> extends Omit<RadioGroupProps, 'options' | 'children'> {
  values: readonly V[];
  labelPrefix: string;
  testId?: string;
}

export default function ChoiceRadio<V extends string>({ values, labelPrefix, testId, ...props }: Props<V>) {
  const { t } = useTranslation();
  return (
    <Radio.Group optionType="button" buttonStyle="solid" data-testid={testId} {...props}>
      {values.map((value) => (
        <Radio.Button key={value} value={value}>
          <span data-value={value}>{t(`${labelPrefix}.${value}`)}</span>
        </Radio.Button>
      ))}
    </Radio.Group>
  );
}
