export { Button } from './Button';
export { Dialog } from './Dialog';
export { Field } from './Field';
export { OfflineBanner, useOnline } from './OfflineBanner';
export { EmptyState, ErrorMessage, Loading } from './Status';
export { useAsync } from './useAsync';
