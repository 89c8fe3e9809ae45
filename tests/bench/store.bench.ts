/** `npm run bench:store`: the RxDB storage against RxDB's memory storage, then the station core's own figures. */
import { printBench } from './bench-format';
import { runStationBench } from './station.bench';
import { runRxdbStoreBench } from './store-rxdb.bench';

const results = [...(await runRxdbStoreBench()), ...(await runStationBench())];
printBench('store', results);
