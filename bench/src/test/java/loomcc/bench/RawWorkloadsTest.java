package loomcc.bench;

class RawWorkloadsTest extends WorkloadsSpec {
    @Override
    Workloads create() {
        return new RawWorkloads();
    }
}
