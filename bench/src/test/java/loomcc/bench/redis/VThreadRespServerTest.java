package loomcc.bench.redis;

/** The RESP2 server spec against the vthread style. */
class VThreadRespServerTest extends RespServerSpec {
    @Override
    RespServers.Style style() {
        return RespServers.Style.VTHREAD;
    }
}
