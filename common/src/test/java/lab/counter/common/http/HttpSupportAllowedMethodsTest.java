package lab.counter.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The {@code Allow} header of a 405: {@link HttpSupport#allowedMethods}. */
@DisplayName("HttpSupport.allowedMethods")
class HttpSupportAllowedMethodsTest {

  private Vertx vertx;
  private Router router;

  @BeforeEach
  void createRouter() {
    vertx = Vertx.vertx();
    router = Router.router(vertx);
    router.route("/admin/*").handler(ctx -> ctx.next());
    router.post("/admin/partition").handler(ctx -> ctx.end());
    router.get("/admin/partition").handler(ctx -> ctx.end());
    router.get("/counter/:name").handler(ctx -> ctx.end());
  }

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("methods of every fitting route, sorted, HEAD with GET")
  void methodsOfFittingRoutes() {
    assertThat(HttpSupport.allowedMethods(router, "/admin/partition")).isEqualTo("GET, HEAD, POST");
  }

  @Test
  @DisplayName("a path parameter fits any segment")
  void parameterFitsSegment() {
    assertThat(HttpSupport.allowedMethods(router, "/counter/views")).isEqualTo("GET, HEAD");
  }

  @Test
  @DisplayName("routes without a method are left out")
  void filtersLeftOut() {
    assertThat(HttpSupport.allowedMethods(router, "/admin/other")).isEmpty();
  }
}
