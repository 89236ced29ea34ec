import { maskEmail, maskPhone } from '../../../lib/adapters/channels/contact-masking.js';

describe('contact masking', () => {
  it.each([
    ['ana@example.com', 'a***@example.com'],
    ['a@example.com', 'a***@example.com'],
    ['first.last+tag@mail.example.org', 'f***@mail.example.org'],
    ['"odd@local"@example.com', '"***@example.com'],
    ['not-an-address', '***'],
    ['@example.com', '***'],
  ])('masks the e-mail %s as %s', (email, masked) => {
    // Act
    const result = maskEmail(email);

    // Assess
    expect(result).toBe(masked);
  });

  it.each([
    ['+447700900189', '+44********89'],
    ['+5511999998888', '+55*********88'],
    ['+44 7700 900189', '+44 **** ****89'],
    ['+1234', '+****'],
  ])('masks the phone %s as %s', (phone, masked) => {
    // Act
    const result = maskPhone(phone);

    // Assess
    expect(result).toBe(masked);
  });
});
