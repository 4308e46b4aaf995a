// A dialog that is a real <form>: the buttons live inside it, so Enter in any field submits and
// Esc closes (Modal's keyboard handling), with the first field focused by the caller's autoFocus.
import type { ReactNode } from 'react';
import { Button, Flex, Form, Modal, type FormInstance } from 'antd';
import { useTranslation } from 'react-i18next';

interface Props<V> {
  open: boolean;
  title: ReactNode;
  okText?: ReactNode;
  danger?: boolean;
  pending?: boolean;
  initialValues?: Partial<V>;
  form?: FormInstance<V>;
  onCancel: () => void;
  onSubmit: (values: V) => void | Promise<void>;
  onValuesChange?: (changed: Partial<V>, all: V) => void;
  /** Shown above the buttons: the refusal, a note. */
  footerNote?: ReactNode;
  children: ReactNode;
  testId?: string;
}

export default function FormModal<V extends object>(props: Props<V>) {
  const { t } = useTranslation();
  const { open, title, okText, danger, pending, initialValues, form, onCancel, onSubmit } = props;
  return (
    <Modal open={open} title={title} onCancel={onCancel} footer={null} destroyOnHidden maskClosable={false}>
      <div data-testid={props.testId}>
        <Form<V>
          form={form}
          layout="vertical"
          initialValues={initialValues}
          onFinish={(values) => void onSubmit(values)}
          onValuesChange={props.onValuesChange}
          requiredMark={false}
        >
          {props.children}
          {props.footerNote}
          <Flex justify="end" gap={8}>
            <Button onClick={onCancel}>{t('common.cancel')}</Button>
            <Button type="primary" danger={danger} htmlType="submit" loading={pending}>
              {okText ?? t('common.ok')}
            </Button>
          </Flex>
        </Form>
      </div>
    </Modal>
  );
}
