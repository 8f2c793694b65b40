"""Write a realistic roster CSV of N rows (Chinese names, valid mobiles and
18-digit IDs with correct check digits, villages, occupations, one extra
column) for the import benchmark. Deterministic for a given N."""
import random
import sys

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单欧阳"
GIVEN = "素梅建国丽华洋静波敏海涛小红刚丹志强晓燕明玉兰俊秀英峰桂芳勇雄信娜伟芳秀娟军磊平辉霞飞鹏杰燕玲超浩宇鑫琳慧"
VILLAGES = ["王家村", "李家湾", "城关镇", "东风村", "新华村", "红星村", "石桥村", "柳树屯"]
JOBS = ["农民", "个体户", "电商从业者", "村干部", "返乡青年", "合作社成员"]
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(rng):
    body = "%06d%04d%02d%02d%03d" % (rng.choice([110105, 431021, 522631, 653101]), rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 999))
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, W)) % 11]


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(n)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("姓名,性别,手机号码,身份证号,年龄,所在村,职业,备注\r\n")
        for i in range(n):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            f.write("%s,%s,1%d%09d,%s,%d,%s,%s,第%d组\r\n" % (
                name, rng.choice("男女"), rng.randint(3, 9), i, id_number(rng), rng.randint(18, 65),
                rng.choice(VILLAGES), rng.choice(JOBS), i % 20 + 1))


main()
