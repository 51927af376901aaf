/** Self-service accounts (issue 13): register, the password policy, change password. */
export { Accounts, AccountRecord, RegisterFields, AccountsOptions, normalizeLogin } from './accounts';
export { PasswordPolicy, PasswordPolicyOptions, commonPasswords } from './password-policy';
