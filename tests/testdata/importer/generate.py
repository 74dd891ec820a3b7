# Regenerates the .txt inputs and their expected .tsv cells in this directory (python3 generate.py).
# Expected values are written from the same value tables the inputs are built from; "?" and
# blank cells are decided by hand from docs/CELLS.md (see the comment of each case).
# Generates realistic test inputs and their exact expected cells output.
import itertools, os
HERE=os.path.dirname(os.path.abspath(__file__))
S=os.path.join(HERE, '..', 'samples') + '/'
OUT=HERE + '/'
def cells(tsv):
    rows=[l.split('\t') for l in open(S+tsv,encoding='utf-8').read().splitlines()[3:]]
    return [(r[0],r[1],r[2]) for r in rows]
C19=cells('2019_town_yishi.tsv'); C21=cells('2021_pref_pingtan.tsv')
def tsv(cs, edition, year, vals):
    out=['table\trow\tcolumn\tvalue', f'元数据\t格式版本\tvalue\t{edition}', f'元数据\t年度\tvalue\t{year}']
    for c in cs: out.append('\t'.join(c)+'\t'+str(vals.get(c,'')))
    return '\n'.join(out)+'\n'
def rows_of(cs, table):
    seen=[]
    for t,r,c in cs:
        if t==table and r not in seen: seen.append(r)
    return seen
def cols_of(cs,table,row): return [c for t,r,c in cs if t==table and r==row]
def leaf(row): return row.split('/')[-1]
def write(name, text, expected):
    open(OUT+name+'.txt','w',encoding='utf-8',newline='').write(text)
    open(OUT+name+'.tsv','w',encoding='utf-8',newline='').write(expected)
T3COLS=['自然人','商业企业','科研机构','社会公益组织','法律服务机构','其他','总计']
T4COLS=['结果维持','结果纠正','其他结果','尚未审结','总计']
def t3_values(cs, per_row):
    """per_row: leaf-row-label -> 6 applicant values; 总计 is their sum."""
    v={}
    for r in rows_of(cs,'三'):
        six=per_row.get(leaf(r),[0]*6)
        for c,x in zip(T3COLS, six+[sum(six)]): v[('三',r,c)]=x
    return v
def t4_values(cs, per_row):
    v={}
    for r in rows_of(cs,'四'):
        four=per_row.get(r,[0]*4)
        for c,x in zip(T4COLS, four+[sum(four)]): v[('四',r,c)]=x
    return v

# ---------------------------------------------------------------- 1. a 2022 report, 2019 tables,
# pipe rows, headings "1、", Windows line ends, nbsp, a page-break footer inside table 三, a
# count written with its unit ("3件"), a thousands separator ("1,234").
def case1():
    cs=C19; v={}
    t2={'规章':[0,0,0],'规范性文件':[2,2,15],'行政许可':[12,-3,'1,234'],'其他对外管理服务事项':[4,0,56],
        '行政处罚':[3,1,'3件'],'行政强制':[1,0,0],'行政事业性收费':[2,0],'政府集中采购':[5,'36.5万元']}
    read={'1,234':1234,'3件':3,'36.5万元':'36.5'}
    for r in rows_of(cs,'二'):
        for c,x in zip(cols_of(cs,'二',r), t2[leaf(r)]): v[('二',r,c)]=read.get(x,x) if isinstance(x,str) else x
    per={'一、本年新收政府信息公开申请数量':[10,2,0,0,1,0],'二、上年结转政府信息公开申请数量':[1,0,0,0,0,0],
         '（一）予以公开':[5,1,0,0,0,0],'（二）部分公开（区分处理的，只计这一情形，不计其他情形）':[1,0,0,0,0,0],
         '1.本机关不掌握相关政府信息':[2,0,0,0,1,0],'（六）其他处理':[1,0,0,0,0,0],
         '（七）总计':[9,1,0,0,1,0],'四、结转下年度继续办理':[2,1,0,0,0,0]}
    v.update(t3_values(cs,per)); v.update(t4_values(cs,{'行政复议':[1,0,0,1]}))
    L=['XX区市场监督管理局2022年政府信息公开工作年度报告','',
       '本报告依据《中华人民共和国政府信息公开条例》和国办公开办函〔2021〕30号文件要求编制。',
       '1、总体情况','2022年，我局主动公开政府信息1,520条，受理依申请公开13件，接待群众来访45人次。',
       '2、主动公开政府信息情况']
    grp={'规章':'第二十条第（一）项','行政许可':'第二十条第（五）项','行政处罚':'第二十条第（六）项',
         '行政事业性收费':'第二十条第（八）项','政府集中采购':'第二十条第（九）项'}
    hdr={'规章':'本年新制作数量 | 本年新公开数量 | 对外公开总数量','行政许可':'上一年项目数量 | 本年增/减 | 处理决定数量',
         '行政处罚':'上一年项目数量 | 本年增/减 | 处理决定数量','行政事业性收费':'上一年项目数量 | 本年增/减',
         '政府集中采购':'采购项目数量 | 采购总金额'}
    for r in rows_of(cs,'二'):
        l=leaf(r)
        if l in grp: L+=[grp[l]+' |', '信息内容 | '+hdr[l]+' |']
        L.append(l+' | '+' | '.join(str(x) for x in t2[l])+' |')
    L+=['3、收到和处理政府信息公开申请情况',
        '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |',
        '自然人 | 法人或其他组织 | 总计 |','商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |']
    for i,r in enumerate(rows_of(cs,'三')):
        parts=r.split('/')
        lab=' | '.join(parts) if parts[-1] in ('（一）予以公开','1.属于国家秘密','1.本机关不掌握相关政府信息','1.信访举报投诉类申请') or len(parts)==1 else parts[-1]
        if parts[-1]=='1.属于国家秘密': lab='（三）不予公开 | 1.属于国家秘密'
        if parts[-1]=='1.本机关不掌握相关政府信息': lab='（四）无法提供 | 1.本机关不掌握相关政府信息'
        if parts[-1]=='1.信访举报投诉类申请': lab='（五）不予处理 | 1.信访举报投诉类申请'
        if parts[-1]=='（一）予以公开': lab='三、本年度办理结果 | （一）予以公开'
        L.append(lab+' | '+' | '.join(str(v[('三',r,c)]) for c in T3COLS)+' |')
        if i==9: L+=['','第 3 页 共 5 页','']
    L+=['4、政府信息公开行政复议、行政诉讼情况',
        '行政复议 | 行政诉讼 |','结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |',
        '结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |',
        ' | '.join(str(v[('四',r,c)]) for r in rows_of(cs,'四') for c in T4COLS)+' |',
        '5、存在的主要问题及改进情况','部分信息更新不够及时。','6、其他需要报告的事项','本年度未收取信息处理费。']
    text='\r\n'.join(L).replace('主动公开政府信息情况','主动公开\u00a0政府信息情况')+'\r\n'
    write('2022_pipe_2019tables_arabic_headings', text, tsv(cs,2019,2022,v))
case1()

# ---------------------------------------------------------------- 2. a 2021 pipe table with every
# cell blank: empty, "—", "/" or "无"; headings "一." ; a page mark "- 2 -" between tables.
def case2():
    cs=C21; v={}
    marks=['—','','/','无','——','']
    k=[0]
    def m():
        k[0]+=1; return marks[k[0]%len(marks)]
    L=['关于XX街道办事处2021年度政府信息公开工作年度报告的说明','一.总体情况','本年度我街道未发生依申请公开。',
       '二.主动公开政府信息情况',
       '第二十条第（一）项 |','信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |',
       f'规章 | {m()} | {m()} | {m()} |', f'行政规范性文件 | {m()} | {m()} | {m()} |',
       '第二十条第（五）项 |','信息内容 | 本年处理决定数量 |',f'行政许可 | {m()} |',
       '第二十条第（六）项 |','信息内容 | 本年处理决定数量 |',f'行政处罚 | {m()} |',f'行政强制 | {m()} |',
       '第二十条第（八）项 |','信息内容 | 本年收费金额（单位：万元） |',f'行政事业性收费 | {m()} |',
       '- 2 -',
       '三.收到和处理政府信息公开申请情况',
       '（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |',
       '自然人 | 法人或其他组织 | 总计 |','商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |']
    for r in rows_of(cs,'三'):
        lab=r.split('/')[-1]
        if lab.startswith('1.') and '/' in r and r.count('/')==2: lab=r.split('/')[1]+' | '+lab
        L.append(lab+' | '+' | '.join(m() for _ in T3COLS)+' |')
    L+=['四.政府信息公开行政复议、行政诉讼情况',
        '行政复议 | 行政诉讼 |','结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 未经复议直接起诉 | 复议后起诉 |',
        '结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 | 结果维持 | 结果纠正 | 其他结果 | 尚未审结 | 总计 |',
        ' | '.join(m() for _ in range(15))+' |',
        '五.存在的主要问题及改进情况','无。','六.其他需要报告的事项','无。']
    write('2021_pipe_all_blank_dotted_headings','\n'.join(L)+'\n', tsv(cs,2021,2021,v))
case2()

# ---------------------------------------------------------------- 3. HTML, rowspan/colspan,
# thousands separators ("1,234", "12,5"), &nbsp;, money "1,251,000元"; headings "（一）".
def case3():
    cs=C19; v={}
    t2={'规章':[0,0,0],'规范性文件':[3,3,'1,027'],'行政许可':['2,315',12,'10,482'],'其他对外管理服务事项':[45,-2,'1,306'],
        '行政处罚':[88,0,'2,041'],'行政强制':[6,0,17],'行政事业性收费':[4,-1],'政府集中采购':[23,'1,251,000元']}
    for r in rows_of(cs,'二'):
        for c,x in zip(cols_of(cs,'二',r), t2[leaf(r)]):
            if isinstance(x,str): x=x.replace(',','')
            if x=='1251000元': x='125.1'
            v[('二',r,c)]=x
    per={'一、本年新收政府信息公开申请数量':[1203,35,2,1,4,6],'二、上年结转政府信息公开申请数量':[40,1,0,0,0,0],
         '（一）予以公开':[512,20,1,1,2,3],'（二）部分公开（区分处理的，只计这一情形，不计其他情形）':[88,3,0,0,0,0],
         '3.危及“三安全一稳定”':[2,0,0,0,0,0],'4.保护第三方合法权益':[10,1,0,0,0,0],
         '1.本机关不掌握相关政府信息':[401,8,1,0,1,2],'2.重复申请':[30,0,0,0,0,0],
         '（六）其他处理':[150,3,0,0,1,1],'（七）总计':[1193,35,2,1,4,6],'四、结转下年度继续办理':[50,1,0,0,0,0]}
    v.update(t3_values(cs,per)); v.update(t4_values(cs,{'行政复议':[12,3,1,2],'行政诉讼/未经复议直接起诉':[5,0,1,1],'行政诉讼/复议后起诉':[2,1,0,0]}))
    def fmt(x):
        return f'{x:,}' if isinstance(x,int) else x
    td=lambda x,extra='': f'<td{extra}><p>{x}</p></td>'
    H=['<html><head><title>XX市人民政府2020年政府信息公开工作年度报告</title></head><body>',
       '<h1>XX市人民政府2020年政府信息公开工作年度报告</h1>',
       '<p>（一）总体情况</p><p>2020年，全市共受理政府信息公开申请1,251件。</p>',
       '<p>（二）主动公开政府信息情况</p><table border="1">']
    grp={'规章':('第二十条第（一）项','本年新制作数量','本年新公开数量','对外公开总数量'),
         '行政许可':('第二十条第（五）项','上一年项目数量','本年增/减','处理决定数量'),
         '行政处罚':('第二十条第（六）项','上一年项目数量','本年增/减','处理决定数量'),
         '行政事业性收费':('第二十条第（八）项','上一年项目数量','本年增/减'),
         '政府集中采购':('第二十条第（九）项','采购项目数量','采购总金额')}
    for r in rows_of(cs,'二'):
        l=leaf(r)
        if l in grp:
            g=grp[l]
            H.append('<tr>'+td(g[0],' colspan="4"')+'</tr>')
            H.append('<tr>'+td('信息内容')+''.join(td(h) for h in g[1:])+'</tr>')
        H.append('<tr>'+td(l)+''.join(td(fmt(x)) for x in t2[l])+'</tr>')
    H+=['</table>','<p>（三）收到和处理政府信息公开申请情况</p><table border="1">',
        '<tr>'+td('（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）',' colspan="3" rowspan="3"')+td('申请人情况',' colspan="7"')+'</tr>',
        '<tr>'+td('自然人',' rowspan="2"')+td('法人或其他组织',' colspan="5"')+td('总计',' rowspan="2"')+'</tr>',
        '<tr>'+''.join(td(x) for x in ['商业企业','科研机构','社会公益组织','法律服务机构','其他'])+'</tr>']
    spans={'（一）予以公开':('三、本年度办理结果',22),'1.属于国家秘密':('（三）不予公开',8),
           '1.本机关不掌握相关政府信息':('（四）无法提供',3),'1.信访举报投诉类申请':('（五）不予处理',5)}
    for r in rows_of(cs,'三'):
        l=leaf(r); cellsx=''
        if l in spans:
            if l=='（一）予以公开': cellsx+=td('三、本年度办理结果',' rowspan="22"')
            else: pass
        if l=='1.属于国家秘密': cellsx+=td('（三）不予公开',' rowspan="8"')
        if l=='1.本机关不掌握相关政府信息': cellsx+=td('（四）无法提供',' rowspan="3"')
        if l=='1.信访举报投诉类申请': cellsx+=td('（五）不予处理',' rowspan="5"')
        span=' colspan="3"' if '/' not in r else (' colspan="2"' if r.count('/')==1 else '')
        cellsx+=td(l,span)+''.join(td(fmt(v[('三',r,c)]) if v[('三',r,c)]!=0 else '0') for c in T3COLS)
        H.append('<tr>'+cellsx+'</tr>')
    H+=['</table>','<p>（四）政府信息公开行政复议、行政诉讼情况</p><table border="1">',
        '<tr>'+td('行政复议',' colspan="5"')+td('行政诉讼',' colspan="10"')+'</tr>',
        '<tr>'+''.join(td(x,' rowspan="2"') for x in T4COLS)+td('未经复议直接起诉',' colspan="5"')+td('复议后起诉',' colspan="5"')+'</tr>',
        '<tr>'+''.join(td(x) for x in T4COLS*2)+'</tr>',
        '<tr>'+''.join(td(fmt(v[('四',r,c)])) for r in rows_of(cs,'四') for c in T4COLS)+'</tr>',
        '</table>','<p>（五）存在的主要问题及改进情况</p><p>依申请公开答复质量仍需提升。</p>',
        '<p>（六）其他需要报告的事项</p><p>本年度未收取信息处理费。</p></body></html>']
    write('2020_html_rowspan_thousands_bracket_headings','\n'.join(H)+'\n', tsv(cs,2019,2020,v))
case3()

# ---------------------------------------------------------------- 4. one cell per line (tab
# indented, nbsp and ideographic spaces), headings "１、" in full width, cut off inside table 二
# (after the second value of 行政处罚), with a page mark "第1页 共2页" inside the table.
def case4():
    cs=C19; v={}
    t2={'规章':['0','0','0'],'规范性文件':['1','1','4'],'行政许可':['6','0','311'],'其他对外管理服务事项':['','',''],
        '行政处罚':['2','1']}
    L=['XX乡人民政府2019年政府信息公开工作年度报告','','１、总体情况','2019年，我乡主动公开政府信息86条。','',
       '２、主动公开政府信息情况','']
    grp={'规章':('第二十条第（一）项',['本年新','制作数量','本年新','公开数量','对外公开总数量']),
         '行政许可':('第二十条第（五）项',['上一年项目数量','本年增/减','处理决定数量']),
         '行政处罚':('第二十条第（六）项',['上一年项目数量','本年增/减','处理决定数量'])}
    for r in rows_of(cs,'二'):
        l=leaf(r)
        if l not in t2: break
        if l in grp:
            L+=['\t'+grp[l][0],'','\t信息内容']+['\t'+h if not h.startswith(('制作','公开数')) else h for h in grp[l][1]]+['']
        L.append('\t'+l)
        for c,x in zip(cols_of(cs,'二',r), t2[l]):
            v[('二',r,c)]=x
            L.append('\t\u3000'+x if x else '\t\u00a0')
        if l=='规范性文件': L+=['','第1页 共2页']
        L.append('')
    L=L[:-1]
    write('2019_lines_cut_in_table2_fullwidth_headings','\n'.join(L)+'\n', tsv(cs,2019,2019,v))
case4()

# ---------------------------------------------------------------- 5. flattened runs (every row
# one run of digits, item numbers glued) in a 2022 report; table 三 breaks R2 in one column.
def case5():
    cs=C21; v={}
    rows3=rows_of(cs,'三')
    per={'一、本年新收政府信息公开申请数量':[3,1,0,0,0,0],'二、上年结转政府信息公开申请数量':[0,0,0,0,0,0],
         '（一）予以公开':[1,1,0,0,0,0],'1.本机关不掌握相关政府信息':[1,0,0,0,0,0],
         '（七）总计':[3,1,0,0,0,0],'四、结转下年度继续办理':[0,0,0,0,0,0]}
    # R2 broken: （七）总计 自然人 is 3, but the result rows add up to 2.
    v.update(t3_values(cs,per)); v.update(t4_values(cs,{}))
    # table 二: 规章 000; 行政规范性文件 "2035" has two valid splits: 20,3,5 and 2,0,35
    t2runs={'规章':'000','行政规范性文件':'2035','行政许可':'12','行政处罚':'7','行政强制':'0','行政事业性收费':'0'}
    t2vals={'规章':[0,0,0],'行政规范性文件':['?','?','?'],'行政许可':[12],'行政处罚':[7],'行政强制':[0],'行政事业性收费':[0]}
    for r in rows_of(cs,'二'):
        for c,x in zip(cols_of(cs,'二',r), t2vals[leaf(r)]): v[('二',r,c)]=x
    s='XX县交通运输局2022年政府信息公开工作年度报告 发布时间：2023-01-20 '
    s+='一、总体情况2022年，我局认真贯彻落实《条例》，全年主动公开政府信息215条。'
    s+='二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数'
    s+='规章'+t2runs['规章']+'行政规范性文件'+t2runs['行政规范性文件']
    s+='第二十条第（五）项信息内容本年处理决定数量行政许可'+t2runs['行政许可']
    s+='第二十条第（六）项信息内容本年处理决定数量行政处罚'+t2runs['行政处罚']+'行政强制'+t2runs['行政强制']
    s+='第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费'+t2runs['行政事业性收费']
    s+='三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他'
    emitted=set()
    for r in rows3:
        parts=r.split('/')
        lab=''
        for p in parts[:-1]:
            if p not in emitted: lab+=p; emitted.add(p)
        lab+=parts[-1]
        s+=lab+''.join(str(v[('三',r,c)]) for c in T3COLS)
    s+='四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计'
    s+=''.join(str(v[('四',r,c)]) for r in rows_of(cs,'四') for c in T4COLS)
    s+='五、存在的主要问题及改进情况一是公开内容不够全面。六、其他需要报告的事项本年度未收取信息处理费。'
    write('2022_flattened_runs_rule_break', s+'\n', tsv(cs,2021,2022,v))
case5()

# ---------------------------------------------------------------- 6. no tables at all: headings
# "1." , numbers in the narrative, the 2021 format cited.
def case6():
    s=('XX镇2023年政府信息公开工作年度报告\n'
       '本报告根据《国务院办公厅政府信息公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（国办公开办函〔2021〕30号）编制。\n'
       '1.总体情况\n2023年，我镇主动公开政府信息1,024条，收到政府信息公开申请3件，行政复议0件。\n'
       '2.主动公开政府信息情况\n本年度制发行政规范性文件2件，行政处罚12起。（表格详见附件）\n'
       '3.收到和处理政府信息公开申请情况\n共收到申请3件，均已按期答复。\n'
       '4.政府信息公开行政复议、行政诉讼情况\n无。\n'
       '5.存在的主要问题及改进情况\n信息更新不及时。\n6.其他需要报告的事项\n无。\n')
    write('2023_no_tables_numbered_headings', s, 'table\trow\tcolumn\tvalue\n元数据\t格式版本\tvalue\t2021\n元数据\t年度\tvalue\t2023\n')
case6()

# ---------------------------------------------------------------- 7. a 2020 excerpt that starts in
# table 三 (no table 二, no header label of one edition only), cut off before （六）: nothing in
# the tables tells the edition and nothing is cited; a 2020 report can only be 2019.
def case7():
    cs=C19; v={}
    L=['XX街道2020年政府信息公开工作年度报告（节选）','三、收到和处理政府信息公开申请情况','申请人情况']
    vals={'一、本年新收政府信息公开申请数量':[2,0,0,0,0,0,2],'二、上年结转政府信息公开申请数量':[0,0,0,0,0,0,0],
          '三、本年度办理结果/（一）予以公开':[1,0,0,0,0,0,1]}
    for r,vv in vals.items():
        L.append(r.split('/')[-1] if '/' not in r else '三、本年度办理结果 | （一）予以公开')
        L[-1]+=' | '+' | '.join(str(x) for x in vv)+' |'
        for c,x in zip(T3COLS,vv): v[('三',r,c)]=x
    write('2020_excerpt_table3_no_edition_markers','\n'.join(L)+'\n', tsv(cs,2019,2020,v))
case7()
