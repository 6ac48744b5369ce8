package lab.counter.common.protocol;

import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the types {@link WireWriter} writes from untrusted bytes. Every read checks the bounds
 * first and throws {@link WireFormatException}, naming the field, for bytes that are missing or
 * invalid. No other exception escapes.
 */
final class WireReader {

  /** Maximum length of a varint: 9 bytes of 7 bits reach {@link Long#MAX_VALUE}. */
  private static final int MAX_VARINT_BYTES = 9;

  private final byte[] bytes;
  private final int end;
  private int position;

  WireReader(byte[] bytes) {
    this.bytes = bytes;
    this.end = bytes.length;
  }

  /**
   * Returns the body of a clustered event-bus message at {@code pos}: the bytes after its 4-byte
   * big-endian length, as many as that length gives.
   *
   * @throws WireFormatException if the length is missing, negative, or beyond the buffer
   */
  static byte[] lengthPrefixedBody(int pos, Buffer buffer) {
    int available = buffer.length() - pos;
    if (pos < 0 || available < Integer.BYTES) {
      throw new WireFormatException("the body has " + Math.max(0, available) + " bytes, fewer than its 4-byte length");
    }
    int length = buffer.getInt(pos);
    if (length < 0 || length > available - Integer.BYTES) {
      throw new WireFormatException("the length prefix is " + length + ", outside 0 to " + (available - Integer.BYTES)
          + ", the number of bytes after it");
    }
    return buffer.getBytes(pos + Integer.BYTES, pos + Integer.BYTES + length);
  }

  /**
   * Reads the format version byte.
   *
   * @throws WireFormatException unless it is {@code expected}, the only version this process reads
   */
  void readVersion(int expected) {
    int version = readByte("the format version");
    if (version != expected) {
      throw new WireFormatException("unknown format version " + version + "; this process reads version " + expected);
    }
  }

  /**
   * Checks that the whole message was read.
   *
   * @throws WireFormatException if bytes follow the last entry
   */
  void requireEnd() {
    if (remaining() > 0) {
      throw new WireFormatException("unexpected bytes after the last entry: " + remaining() + " from byte " + position);
    }
  }

  /** Returns the number of bytes not read yet. */
  int remaining() {
    return end - position;
  }

  /** Returns the offset of the next byte, for error messages. */
  int position() {
    return position;
  }

  /** Reads one byte as a value from 0 to 255. */
  int readByte(String field) {
    if (position >= end) {
      throw truncated(field);
    }
    return bytes[position++] & 0xFF;
  }

  /** Reads a byte that must be 0 (false) or 1 (true). */
  boolean readBoolean(String field) {
    int value = readByte(field);
    if (value > 1) {
      throw new WireFormatException(field + " must be the byte 0 or 1, was " + value + " at byte " + (position - 1));
    }
    return value == 1;
  }

  /** Reads an unsigned LEB128 varint. One that does not end within 9 bytes would exceed {@link Long#MAX_VALUE}. */
  long readVarLong(String field) {
    long value = 0;
    for (int i = 0; i < MAX_VARINT_BYTES; i++) {
      int next = readByte(field);
      value |= (long) (next & 0x7F) << (7 * i);
      if ((next & 0x80) == 0) {
        return value;
      }
    }
    throw new WireFormatException(field + " exceeds " + Long.MAX_VALUE + " (a varint longer than 9 bytes) at byte " + position);
  }

  /** Reads a varint that must not exceed {@code max}, and returns it as an int. */
  int readCount(String field, int max) {
    long value = readVarLong(field);
    if (value > max) {
      throw new WireFormatException(field + " is " + value + "; the maximum is " + max);
    }
    return (int) value;
  }

  /**
   * Reads a string of at most {@code maxBytes} UTF-8 bytes, null when the sender wrote none.
   *
   * @throws WireFormatException if the string is longer, runs past the end, or is not valid UTF-8
   */
  String readString(String field, int maxBytes) {
    long marker = readVarLong(field + " length");
    if (marker == 0) {
      return null;
    }
    long length = marker - 1;
    if (length > maxBytes) {
      throw new WireFormatException(field + " is " + length + " bytes long; the maximum is " + maxBytes);
    }
    if (length > remaining()) {
      throw truncated(field);
    }
    int start = position;
    position += (int) length;
    return decodeUtf8(field, start, (int) length);
  }

  private String decodeUtf8(String field, int start, int length) {
    boolean ascii = true;
    for (int i = start; i < start + length && ascii; i++) {
      ascii = bytes[i] >= 0;
    }
    if (ascii) {
      return new String(bytes, start, length, StandardCharsets.ISO_8859_1);
    }
    // new String(bytes, UTF_8) would replace invalid sequences silently; the strict decoder rejects them.
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, start, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new WireFormatException(field + " at byte " + start + " is not valid UTF-8");
    }
  }

  private WireFormatException truncated(String field) {
    return new WireFormatException("the message ends at byte " + end + " before " + field);
  }
}
