package lab.counter.common.protocol;

/**
 * Bytes that break a binary message format of this package. {@link SyncMessageCodec} and
 * {@link IncrementBatchCodec} turn it into a malformed message body, so it never leaves the codec.
 */
final class WireFormatException extends RuntimeException {

  WireFormatException(String reason) {
    // No stack trace: a peer can send any number of malformed messages, and the reason locates the fault.
    super(reason, null, false, false);
  }
}
