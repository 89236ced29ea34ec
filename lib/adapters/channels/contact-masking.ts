import type { WireMessage } from './wire-message.js';

/** `alice@example.com` → `a***@example.com`: enough to tell contacts apart in a log, not to write to one. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email[0]}***${email.slice(at)}`;
}

/** `+447700900189` → `+44********89`: the first and last two digits stay, every other digit is starred. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '').length;
  let seen = 0;
  return phone.replace(/\d/g, (digit) => {
    const index = seen++;
    return digits > 4 && (index < 2 || index >= digits - 2) ? digit : '*';
  });
}

/** The message with its contact's e-mail and phone masked; everything else as it was. */
export function maskContactAddresses(wire: WireMessage): WireMessage {
  const { email, phone } = wire.contact;
  return {
    ...wire,
    contact: {
      ...wire.contact,
      email: email === null ? null : maskEmail(email),
      phone: phone === null ? null : maskPhone(phone),
    },
  };
}
