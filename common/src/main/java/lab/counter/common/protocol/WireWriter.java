package lab.counter.common.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growable byte array that {@link SyncMessageCodec} writes a message into, in the types {@link WireReader} reads. */
final class WireWriter {

  private byte[] bytes;
  private int length;

  WireWriter(int initialCapacity) {
    bytes = new byte[Math.max(16, initialCapacity)];
  }

  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  void writeByte(int value) {
    ensureCapacity(1);
    bytes[length++] = (byte) value;
  }

  void writeBoolean(boolean value) {
    writeByte(value ? 1 : 0);
  }

  /** Writes a non-negative value as an unsigned LEB128 varint: 7 bits a byte, low bits first, at most 9 bytes. */
  void writeVarLong(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("a varint must not be negative, was " + value);
    }
    ensureCapacity(9);
    while (value >= 0x80) {
      bytes[length++] = (byte) (value | 0x80);
      value >>>= 7;
    }
    bytes[length++] = (byte) value;
  }

  /** Writes a string as a varint of its UTF-8 length plus one, then its UTF-8 bytes; null is the single varint 0. */
  void writeString(String value) {
    if (value == null) {
      writeVarLong(0);
      return;
    }
    int chars = value.length();
    if (isAscii(value)) {
      // Counter names and node ids are ASCII in practice: copy the chars without an intermediate array.
      writeVarLong(chars + 1L);
      ensureCapacity(chars);
      for (int i = 0; i < chars; i++) {
        bytes[length++] = (byte) value.charAt(i);
      }
      return;
    }
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    writeVarLong(utf8.length + 1L);
    ensureCapacity(utf8.length);
    System.arraycopy(utf8, 0, bytes, length, utf8.length);
    length += utf8.length;
  }

  private static boolean isAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private void ensureCapacity(int extra) {
    if (length + extra > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
    }
  }
}
