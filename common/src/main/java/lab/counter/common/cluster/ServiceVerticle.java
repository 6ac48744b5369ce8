package lab.counter.common.cluster;

import io.vertx.core.Deployable;

/** A service's main verticle, which knows its identity before the cluster is joined. */
public interface ServiceVerticle extends Deployable {

  /** Returns who this service is; its node id and region become the tags of every metric. */
  ServiceIdentity identity();
}
