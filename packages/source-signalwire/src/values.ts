/**
 * Readers for loosely typed webhook parameters (shared with the other sources, in core): form
 * bodies give strings, JSON bodies numbers or strings, proxies rename keys (`CallSid`, `call_sid`).
 * SignalWire documents RFC 2822 times; ISO text and Unix time are accepted too.
 */
export {
  fieldKeyForm as keyForm, pickField as pick, hasField as has, fieldText as text, fieldNumber as num, fieldInt as int, fieldTime as time,
} from '@callrelay/core';
