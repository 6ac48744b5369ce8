package lab.counter.common.protocol;

import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Base of the project's binary event-bus codecs. Their messages are immutable, so a local consumer
 * gets the sent object itself, and each codec registers once per Vert.x instance.
 */
abstract class ImmutableMessageCodec<T> implements MessageCodec<T, T> {

  private final String name;

  ImmutableMessageCodec(String name) {
    this.name = name;
  }

  /**
   * Registers {@code codec} on {@code eventBus} unless a codec of its name already is: several
   * verticles may share one Vert.x instance, as in tests.
   */
  static void registerOnce(EventBus eventBus, MessageCodec<?, ?> codec) {
    try {
      eventBus.registerCodec(codec);
    } catch (IllegalStateException alreadyRegistered) {
      // Another verticle of this Vert.x instance registered it first, and the codecs are stateless.
    }
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final byte systemCodecID() {
    return -1;
  }

  /** Returns {@code message} itself: it is immutable, so a local consumer may share it. */
  @Override
  public final T transform(T message) {
    return message;
  }
}
