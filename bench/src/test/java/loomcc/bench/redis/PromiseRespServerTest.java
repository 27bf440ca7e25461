package loomcc.bench.redis;

/** The RESP2 server spec against the promise style. */
class PromiseRespServerTest extends RespServerSpec {
    @Override
    RespServers.Style style() {
        return RespServers.Style.PROMISE;
    }
}
