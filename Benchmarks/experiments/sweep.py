import json,subprocess,sys,os
from concurrent.futures import ThreadPoolExecutor
cmd=os.environ.get('CMD','.build/release/cmd')
T=os.environ.get('TRACES','../shared/traces')
wl=[('p1',['--trace',T+'/pollux/jobs/workload-1.jsonl','--gpus','64']),
    ('p2',['--trace',T+'/pollux/jobs/workload-2.jsonl','--gpus','64']),
    ('p3',['--trace',T+'/pollux/jobs/workload-3.jsonl','--gpus','64']),
    ('p4',['--trace',T+'/pollux/jobs/workload-4.jsonl','--gpus','64']),
    ('ph',['--trace',T+'/philly.csv','--sample','2000','--start','60000','--gpus','256'])]
only=os.environ.get('ONLY')
if only: wl=[w for w in wl if w[0] in only.split(',')]
base={n:{r['policy']:r for r in json.load(open(os.environ.get('BASE','/tmp/base')+f'/base-{n}.json'))} for n,_ in wl}
def run(job):
    cfg,(n,args)=job
    env=dict(os.environ); env.update(cfg)
    t=json.loads(subprocess.run([cmd,'simulate',*args,'--policy','tide','--json'],capture_output=True,text=True,env=env,check=True).stdout)[0]
    return cfg,n,t
cfgs=[json.loads(a) for a in sys.argv[1:]]
jobs=[(c,w) for c in cfgs for w in wl]
with ThreadPoolExecutor(int(os.environ.get('PAR','2'))) as ex:
    res=list(ex.map(run,jobs))
out=open(os.environ.get('RESULTS','/tmp/results.jsonl'),'a')
for c in cfgs:
    line=[];miss=[]
    for cfg,n,t in res:
        if cfg is not c: continue
        b=base[n]; ti=b['tiresias']; best=min((r['averageJCT'],p) for p,r in b.items() if p!='tide')
        a,p9,mk,rs=t['averageJCT'],t['p99JCT'],t['makespan'],t['restartsPerJob']
        if not a<best[0]: miss.append(n+'a')
        if not p9<=ti['p99JCT']: miss.append(n+'p')
        if not mk<=ti['makespan']: miss.append(n+'m')
        if not rs<2: miss.append(n+'r')
        line.append(f"{n} {a:.0f}/{p9:.0f}/{mk:.0f}/{rs:.2f}")
        out.write(json.dumps({'cfg':c,'wl':n,'avg':a,'p99':p9,'mk':mk,'rs':rs})+'\n')
    print(' '.join(f'{k[5:]}={v}' for k,v in c.items()) or 'base', '|', ' | '.join(line), '| MISS', ','.join(miss) or 'none', flush=True)
