package loomcc.bench.redis;

/** The RESP2 server spec against the fiber style. */
class FiberRespServerTest extends RespServerSpec {
    @Override
    RespServers.Style style() {
        return RespServers.Style.FIBER;
    }
}
