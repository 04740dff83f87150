// Words used all over the app.
export const common = {
  language: 'Language',
  cancel: 'Cancel',
  close: 'Close',
  delete: 'Delete',
  dismiss: 'Dismiss',
  ok: 'OK',
  none: 'none',
  unit: {
    requestsPerSec: 'requests/s',
  },
};
