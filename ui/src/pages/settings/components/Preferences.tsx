// Workstation preferences: language, simple mode (large font), theme. They apply at once.
import { Form, Segmented, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import LanguageSwitch from '../../../layouts/LanguageSwitch';
import { usePreferences, type ThemeMode } from '../../../preferences';

export default function Preferences() {
  const { t } = useTranslation();
  const { theme, setTheme, simple, setSimple } = usePreferences();
  return (
    <Form layout="horizontal" labelCol={{ flex: '160px' }} labelAlign="left" colon={false}>
      <Form.Item label={t('settings.language')}>
        <LanguageSwitch testId="settings-lang" />
      </Form.Item>
      <Form.Item label={t('settings.simpleMode')} extra={t('settings.simpleModeHint')}>
        <Switch checked={simple} onChange={setSimple} data-testid="settings-simple" />
      </Form.Item>
      <Form.Item label={t('settings.theme')}>
        <Segmented<ThemeMode>
          value={theme}
          onChange={setTheme}
          data-testid="settings-theme"
          options={[
            { value: 'light', label: t('settings.themeLight') },
            { value: 'dark', label: t('settings.themeDark') },
          ]}
        />
      </Form.Item>
    </Form>
  );
}
