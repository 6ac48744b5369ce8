package lab.counter.common.crdt;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Turns an unexpected exception in a seeded test into a failure whose message starts with the
 * test's display name, which names the seed. Assertion failures pass through unchanged because
 * their descriptions already name the seed and the inputs.
 */
final class SeedInErrors implements TestExecutionExceptionHandler {

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
    if (throwable instanceof AssertionError) {
      throw throwable;
    }
    throw new AssertionError(context.getDisplayName() + ": unexpected " + throwable, throwable);
  }
}
