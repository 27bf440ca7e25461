package loomcc.bench;

class RawLoopWorkloadsTest extends WorkloadsSpec {
    @Override
    Workloads create() {
        return new RawLoopWorkloads();
    }
}
