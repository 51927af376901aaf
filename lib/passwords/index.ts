export { hashPasswordScrypt, verifyScrypt, parseScryptHash, SCRYPT_PREFIX, DEFAULT_SCRYPT } from './scrypt';
export { verifyPassword, passwordKind, storedPasswordProblem, PasswordKind } from './verify';
export { PasswordChecker, PasswordCheckerOptions } from './password-checker';
export { compareBcrypt } from './hash-pool';
