/** The account irsakit creates on first start, and the seeds' example account. */
export const DEFAULT_ACCOUNT = '123456789012';
