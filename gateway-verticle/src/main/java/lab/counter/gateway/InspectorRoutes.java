package lab.counter.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.MIMEHeader;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.Transport;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import lab.counter.common.http.ApiError;
import lab.counter.common.http.HttpSupport;
import lab.counter.common.http.RequestFields;
import lab.counter.common.protocol.Addresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inspector page and its live feed. The page and its assets are classpath resources under
 * {@code webroot/}. The feed is a SockJS event-bus bridge at {@code /eventbus/*} that forwards only
 * {@link Addresses#INSPECTOR} to the browser and accepts nothing from it: a send, publish or
 * register on any other address gets an {@code access_denied} error frame.
 */
public final class InspectorRoutes {

  /** Path of the page. */
  public static final String PAGE_PATH = "/inspector";
  /** Mount point of the event-bus bridge; the page's client uses its raw WebSocket endpoint {@code /eventbus/websocket}. */
  public static final String BRIDGE_PATH = "/eventbus";

  private static final Logger LOG = LoggerFactory.getLogger(InspectorRoutes.class);
  private static final String WEBROOT = "webroot";
  /** Allows only this origin's scripts, styles, images and connections, so the page never fetches from outside. */
  private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
      + "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  /** Addresses one bridge socket may register; the bridge permits only one, the rest is headroom for re-registering. */
  private static final int MAX_HANDLERS_PER_SOCKET = 4;

  private InspectorRoutes() {}

  /**
   * Adds the inspector routes to {@code router}: an HTML index at {@code /} for clients that prefer
   * HTML (others fall through to the JSON index), the page at {@code /inspector} and the bridge at
   * {@code /eventbus/*}. Call it before the JSON {@code GET /} route is added.
   */
  public static void mount(Vertx vertx, Router router) {
    router.get("/").handler(InspectorRoutes::htmlIndex);

    router.route("/inspector*").handler(InspectorRoutes::securityHeaders);
    router.get(PAGE_PATH).handler(ctx -> ctx.reroute(PAGE_PATH + "/index.html"));
    router.route(PAGE_PATH + "/*").handler(StaticHandler.create(WEBROOT + PAGE_PATH)
        .setCachingEnabled(false)
        .setDirectoryListing(false));

    router.route(BRIDGE_PATH + "/*").handler(InspectorRoutes::requireSameOrigin);
    router.route(BRIDGE_PATH + "/websocket").handler(InspectorRoutes::requireWebSocketUpgrade);
    router.route(BRIDGE_PATH + "/*").subRouter(bridge(vertx));
    LOG.info("Inspector page at {}; the event-bus bridge at {}/* forwards only {} to browsers",
        PAGE_PATH, BRIDGE_PATH, Addresses.INSPECTOR);
  }

  private static Router bridge(Vertx vertx) {
    SockJSHandlerOptions sockJsOptions = new SockJSHandlerOptions()
        // The page speaks the raw WebSocket transport, so the polling transports stay off. The
        // SockJS iframe page still names a client library URL; point it here instead of at the
        // default CDN so that nothing the gateway serves refers to another host.
        .addDisabledTransport(Transport.XHR.toString())
        .addDisabledTransport(Transport.EVENT_SOURCE.toString())
        .addDisabledTransport(Transport.HTML_FILE.toString())
        .addDisabledTransport(Transport.JSON_P.toString())
        .setLibraryURL(PAGE_PATH + "/no-sockjs-client.js");
    SockJSBridgeOptions bridgeOptions = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddress(Addresses.INSPECTOR))
        .setMaxHandlersPerSocket(MAX_HANDLERS_PER_SOCKET);
    return SockJSHandler.create(vertx, sockJsOptions).bridge(bridgeOptions, InspectorRoutes::onBridgeEvent);
  }

  /**
   * Lets every bridge event through to the permission checks and logs socket errors, such as a
   * reset connection, at debug. vertx-web logs those and malformed frames at ERROR with no ids, so
   * logback.xml turns its bridge logger off. A malformed frame still gets an error frame back.
   */
  private static void onBridgeEvent(BridgeEvent event) {
    if (event.type() == BridgeEventType.SOCKET_ERROR) {
      LOG.debug("Inspector bridge socket from {} failed: {}", event.socket().remoteAddress(), event.getRawMessage());
    }
    event.complete(true);
  }

  /** Serves the HTML index when the client ranks text/html above application/json, as browsers do. */
  private static void htmlIndex(RoutingContext ctx) {
    for (MIMEHeader accepted : ctx.parsedHeaders().accept()) {
      String type = accepted.component() + "/" + accepted.subComponent();
      if ("text/html".equalsIgnoreCase(type)) {
        putSecurityHeaders(ctx);
        ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").sendFile(WEBROOT + "/index.html");
        return;
      }
      if ("application/json".equalsIgnoreCase(type)) {
        break;
      }
    }
    ctx.next();
  }

  private static void securityHeaders(RoutingContext ctx) {
    putSecurityHeaders(ctx);
    ctx.next();
  }

  private static void putSecurityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer");
  }

  /**
   * Rejects a bridge request whose {@code Origin} header names another site, so a page elsewhere
   * cannot open the feed in a visitor's browser. Requests without the header (non-browser clients)
   * pass.
   */
  private static void requireSameOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    String host = ctx.request().getHeader(HttpHeaders.HOST);
    if (origin == null || (host != null && authorityOf(origin).equals(host.toLowerCase(Locale.ROOT)))) {
      ctx.next();
      return;
    }
    LOG.debug("Rejected a bridge request from origin {} to host {}", origin, host);
    HttpSupport.sendError(ctx, new ApiError(403, "forbidden origin",
        "the event-bus bridge accepts only pages served by this gateway; origin was " + abbreviate(origin)));
  }

  /**
   * Rejects a request to the raw WebSocket endpoint that is no WebSocket upgrade with a JSON 400.
   * The SockJS handler would reply in plain text, and a missing {@code Sec-WebSocket-Key} would
   * fail inside the handshake.
   */
  private static void requireWebSocketUpgrade(RoutingContext ctx) {
    String upgrade = ctx.request().getHeader(HttpHeaders.UPGRADE);
    String key = ctx.request().getHeader("Sec-WebSocket-Key");
    if (upgrade != null && "websocket".equalsIgnoreCase(upgrade.trim()) && key != null && !key.isBlank()) {
      ctx.next();
      return;
    }
    LOG.debug("Rejected a bridge request without a WebSocket upgrade (Upgrade: {}, key present: {})", upgrade, key != null);
    HttpSupport.sendError(ctx, ApiError.badRequest("not a WebSocket upgrade",
        BRIDGE_PATH + "/websocket takes a WebSocket handshake (Upgrade: websocket and a Sec-WebSocket-Key header); "
            + "open it with a WebSocket client such as the inspector page"));
  }

  /** Returns {@code host[:port]} of an origin, lower case, without the scheme's default port; empty when malformed. */
  private static String authorityOf(String origin) {
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null) {
        return "";
      }
      boolean defaultPort = uri.getPort() == -1
          || ("http".equalsIgnoreCase(uri.getScheme()) && uri.getPort() == 80)
          || ("https".equalsIgnoreCase(uri.getScheme()) && uri.getPort() == 443);
      String host = uri.getHost().toLowerCase(Locale.ROOT);
      return defaultPort ? host : host + ":" + uri.getPort();
    } catch (URISyntaxException e) {
      return "";
    }
  }

  private static String abbreviate(String text) {
    return RequestFields.abbreviate(text, 80);
  }
}
