package lab.counter.common.protocol;

/**
 * Bytes that break the sync message format. {@link SyncMessageCodec} turns it into a
 * {@link SyncMessage.Malformed} body, so it never leaves the codec.
 */
final class SyncFormatException extends RuntimeException {

  SyncFormatException(String reason) {
    // No stack trace: a peer can send any number of malformed messages, and the reason locates the fault.
    super(reason, null, false, false);
  }
}
