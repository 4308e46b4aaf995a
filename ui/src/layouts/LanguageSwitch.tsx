// zh-CN / en-US toggle. Each option carries `data-lang` so tests and assistive tools can pick a
// language without depending on the label's text.
import { Segmented } from 'antd';
import { useTranslation } from 'react-i18next';
import { changeLanguage, LANGUAGES, toLanguage, type Language } from '../i18n';

export default function LanguageSwitch({ testId = 'lang-switch' }: { testId?: string }) {
  const { t, i18n } = useTranslation();
  return (
    <Segmented<Language>
      data-testid={testId}
      aria-label={t('lang.label')}
      value={toLanguage(i18n.language)}
      onChange={(language) => void changeLanguage(language)}
      options={LANGUAGES.map((language) => ({
        value: language,
        label: <span data-lang={language}>{t(`lang.${language}`)}</span>,
      }))}
    />
  );
}
